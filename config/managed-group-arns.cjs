/**
 * `${file(./config/managed-group-arns.cjs)}` in serverless.yml: the ARNs of the managed security groups
 * (the `managedSecurityGroups` parameter), so the reconciler's revokes and the rule-description updates
 * reach those groups and no other. Rules have ids only known at grant time, hence `security-group-rule/*`
 * beside them (the group ARN is what scopes the call). With no managed group, an ARN no group can have.
 */
const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

const arn = (resource) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}` });

function groupArns(json) {
  let groups;
  try {
    groups = JSON.parse(json);
  } catch {
    throw new Error('managedSecurityGroups must be JSON: {"<cluster or replication group id>": "sg-…"}');
  }
  if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) throw new Error('managedSecurityGroups must be a JSON object of id → "sg-…"');
  const ids = [...new Set(Object.values(groups))];
  for (const id of ids) if (typeof id !== 'string' || !GROUP_ID.test(id)) throw new Error(`managedSecurityGroups: ${JSON.stringify(id)} is not a security group id (sg-…)`);
  if (ids.length === 0) return [arn('security-group/sg-00000000none')];
  return [...ids.map((id) => arn(`security-group/${id}`)), arn('security-group-rule/*')];
}

module.exports = async ({ resolveVariable }) => groupArns(String(await resolveVariable('param:managedSecurityGroups')));
module.exports.groupArns = groupArns;
