/**
 * AWS's rules for the names and ids a request carries, as schemas: one source for the request body
 * (request-rules.ts), the grant drivers (adapters), the configuration (MANAGED_SECURITY_GROUPS) and the
 * OpenAPI document, so what the API accepts is what the drivers send. Facts and sources: docs/aws-facts.md §1.
 */
import * as v from 'valibot';

export const MUST_BE_STRING = 'must be a string';

/** Cache security group names: ≤ 255 "alphanumeric" characters; AWS's own samples use hyphens, so those too. */
export const CacheSecurityGroupName = v.pipe(
  v.string(MUST_BE_STRING),
  v.regex(/^[A-Za-z0-9-]{1,255}$/, 'must be 1 to 255 letters, digits or hyphens'),
);

/** EC2-Classic security group names: 1 to 255 ASCII characters (printable: a name is typed and shown). */
export const Ec2SecurityGroupName = v.pipe(
  v.string(MUST_BE_STRING),
  v.regex(/^[\x20-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters (an EC2 security group name, not an id)'),
);

/** An AWS account id: 12 digits; ElastiCache's samples also print the dashed 1234-5678-9012, taken as its digits. */
export const AccountId = v.pipe(
  v.string(MUST_BE_STRING),
  v.regex(/^(?:\d{12}|\d{4}-\d{4}-\d{4})$/, 'must be a 12-digit AWS account id'),
  v.transform((id) => id.replace(/-/g, '')),
);

/**
 * `sg-` and hex digits: 8 (groups made before 2018) or 17 (since). Lengths between are accepted too: EC2
 * answers InvalidGroup.NotFound for them, so refusing them here would only duplicate that answer.
 */
export const SecurityGroupId = v.pipe(
  v.string(MUST_BE_STRING),
  v.regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id: "sg-" and 8 to 17 lowercase hex digits'),
);

/**
 * Replication group ids (≤ 40) and cache cluster ids (≤ 50): lowercase letters, digits and hyphens, a letter
 * first, no trailing hyphen and no two hyphens in a row (AWS stores them lowercase; we ask for them so).
 */
const ELASTICACHE_ID = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;
const elastiCacheId = (maxLength: number) => {
  const rule = `must be 1 to ${maxLength} lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen`;
  return v.pipe(v.string(MUST_BE_STRING), v.maxLength(maxLength, rule), v.regex(ELASTICACHE_ID, rule));
};
export const ReplicationGroupId = elastiCacheId(40);
export const CacheClusterId = elastiCacheId(50);

/**
 * For the grant drivers, which check a target again before any call (a stored request may predate a rule):
 * the id as the schema outputs it, or undefined with `<label> "<value>" <rule>` added to `problems`.
 */
export function checkedId<S extends v.GenericSchema<unknown, string>>(schema: S, value: unknown, label: string, problems: string[]): v.InferOutput<S> | undefined {
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  if (result.success) return result.output;
  problems.push(`${label} "${String(value)}" ${result.issues[0].message}`);
  return undefined;
}
