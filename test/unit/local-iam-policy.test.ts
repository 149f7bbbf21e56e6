/** The local stack's IAM evaluator (local/iam/policy.ts), against IAM's documented evaluation logic. */
import { authorize, checkStatements, MalformedPolicyError, resourceArn, type Principal } from '../../local/iam/policy.js';

const where = { region: 'us-east-1', account: '000000000000' };

async function principal(statements: unknown[]): Promise<Principal> {
  return { name: 'fn', roleName: 'fn-role', sessionName: 'cachegate-dev-fn', statements: await checkStatements('fn', statements) };
}

it('allows only what a statement allows: actions and resources with wildcards, case-insensitive actions', async () => {
  const p = await principal([{ Effect: 'Allow', Action: ['dynamodb:Get*'], Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/t' }]);
  expect(authorize(p, { action: 'dynamodb:GetItem', resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/t'] }).allowed).toBe(true);
  expect(authorize(p, { action: 'DynamoDB:getitem', resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/t'] }).allowed).toBe(true);
  expect(authorize(p, { action: 'dynamodb:GetItem', resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/t/index/i'] })).toMatchObject({
    allowed: false,
    message: expect.stringContaining('User: arn:aws:sts::000000000000:assumed-role/fn-role/cachegate-dev-fn is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/t/index/i'),
  });
  expect(authorize(p, { action: 'dynamodb:PutItem', resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/t'] }).allowed).toBe(false);
});

it('an explicit Deny wins over any Allow; NotAction and NotResource invert the match', async () => {
  const p = await principal([
    { Effect: 'Allow', NotAction: 'ec2:DeleteSecurityGroup', Resource: '*' },
    { Effect: 'Deny', Action: 'ec2:RevokeSecurityGroupIngress', NotResource: 'arn:aws:ec2:*:*:security-group/sg-managed' },
  ]);
  expect(authorize(p, { action: 'ec2:RevokeSecurityGroupIngress', resources: ['arn:aws:ec2:us-east-1:000000000000:security-group/sg-managed'] }).allowed).toBe(true);
  expect(authorize(p, { action: 'ec2:RevokeSecurityGroupIngress', resources: ['arn:aws:ec2:us-east-1:000000000000:security-group/sg-other'] })).toMatchObject({ allowed: false, message: expect.stringContaining('explicit deny') });
  expect(authorize(p, { action: 'ec2:DeleteSecurityGroup', resources: ['*'] }).allowed).toBe(false);
});

it('conditions: the operator, the key, IfExists; a key missing from the request does not match', async () => {
  const p = await principal([
    { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' } } },
    { Effect: 'Allow', Action: 'ec2:DescribeTags', Resource: '*', Condition: { StringLikeIfExists: { 'aws:RequestTag/team': 'plat*' } } },
  ]);
  expect(authorize(p, { action: 'ec2:CreateTags', resources: ['*'], context: { 'ec2:CreateAction': ['AuthorizeSecurityGroupIngress'] } }).allowed).toBe(true);
  expect(authorize(p, { action: 'ec2:CreateTags', resources: ['*'], context: { 'ec2:CreateAction': ['RunInstances'] } }).allowed).toBe(false);
  expect(authorize(p, { action: 'ec2:CreateTags', resources: ['*'] }).allowed).toBe(false);
  expect(authorize(p, { action: 'ec2:DescribeTags', resources: ['*'] }).allowed).toBe(true);
  expect(authorize(p, { action: 'ec2:DescribeTags', resources: ['*'], context: { 'aws:RequestTag/team': ['sales'] } }).allowed).toBe(false);
});

it('malformed statements are load errors naming the function, as IAM refuses them (MalformedPolicyDocument)', async () => {
  await expect(checkStatements('grantIngress', [{ Effect: 'Allow', Resource: '*' }])).rejects.toThrow(new MalformedPolicyError('grantIngress: role statement 1 needs exactly one of Action and NotAction'));
  await expect(checkStatements('grantIngress', [{ Effect: 'Allow', Action: 'ec2:AuthorizeSecurityGroupIngres', Resource: '*' }])).rejects.toThrow(/grantIngress: role statement 1: ec2 has no action AuthorizeSecurityGroupIngres/);
  await expect(checkStatements('grantIngress', [{ Effect: 'Allow', Action: 'ec3:Describe', Resource: '*' }])).rejects.toThrow(/names no AWS service/);
  await expect(checkStatements('grantIngress', [{ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateActon': 'x' } } }])).rejects.toThrow(/condition key ec2:CreateActon is not in the Service Authorization Reference/);
});

it('resource ARNs from the Service Authorization Reference; "*" for actions without resource-level permissions', async () => {
  expect(await resourceArn('ec2:AuthorizeSecurityGroupIngress', 'security-group', { SecurityGroupId: 'sg-1' }, where)).toBe('arn:aws:ec2:us-east-1:000000000000:security-group/sg-1');
  expect(await resourceArn('ssm:GetParameters', 'parameter', { ParameterNameWithoutLeadingSlash: 'cachegate/dev/key' }, where)).toBe('arn:aws:ssm:us-east-1:000000000000:parameter/cachegate/dev/key');
  expect(await resourceArn('ec2:DescribeSecurityGroupRules', '', {}, where)).toBe('*');
});

it('states:SendTaskSuccess is evaluated against the state machine, as AWS does (the Reference lists no resource)', async () => {
  expect(await resourceArn('states:SendTaskSuccess', 'statemachine', { StateMachineName: 'cachegate-dev-access-request' }, where)).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:cachegate-dev-access-request');
});

it('every operation of the ElastiCache/EC2 emulator is checked on the resource its request names (an unmapped one would be InternalError)', async () => {
  const { ec2Operations } = await import('../../local/aws-emulator/ec2-ops.js');
  const { elastiCacheOperations } = await import('../../local/aws-emulator/elasticache-ops.js');
  const { QueryParams } = await import('../../local/aws-emulator/query.js');
  const { queryAccessRequests } = await import('../../local/iam/query-access.js');
  const params = new QueryParams(new URLSearchParams({ GroupId: 'sg-0cac4e9a7e0000001', CacheSecurityGroupName: 'orders', CacheClusterId: 'c1', ReplicationGroupId: 'r1' }));
  const operations = [...Object.keys(ec2Operations).map((op) => ['ec2', op] as const), ...Object.keys(elastiCacheOperations).map((op) => ['elasticache', op] as const)];
  for (const [service, operation] of operations) {
    const [request] = await queryAccessRequests(service, operation, params, where);
    expect(request?.action).toBe(`${service}:${operation}`);
    // Either the action takes no resource ('*'), or the ARN names what the request names.
    expect(request?.resources[0]).toMatch(/^\*$|:security-group\/sg-0cac4e9a7e0000001$|:securitygroup:orders$|:cluster:c1$|:replicationgroup:r1$/);
  }
  expect(await queryAccessRequests('ec2', 'UpdateSecurityGroupRuleDescriptionsIngress', params, where)).toEqual([
    { action: 'ec2:UpdateSecurityGroupRuleDescriptionsIngress', resources: ['arn:aws:ec2:us-east-1:000000000000:security-group/sg-0cac4e9a7e0000001'] },
  ]);
});
