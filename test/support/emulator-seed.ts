/**
 * What the workflow tests start the local stack with: the demo seed plus source security groups of the
 * test's own (one per request, so that no two requests share a grant unless a test means them to), and
 * the overrides that take the waits and retry intervals out of the grant and revoke path.
 */
import { DEMO_SEED_PATH, loadSeedFile, type AwsEmulatorSeed } from '../../local/aws-emulator/index.js';

/** The demo seed with one VPC security group per id, named `<namePrefix>-<index>`. */
export function seedWithSources(groupIds: string[], namePrefix: string): AwsEmulatorSeed {
  const seed = loadSeedFile(DEMO_SEED_PATH);
  seed.securityGroups = [...(seed.securityGroups ?? []), ...groupIds.map((groupId, index) => ({ groupId, groupName: `${namePrefix}-${index}`, vpcId: 'vpc-0de70000000000001', description: 'test source' }))];
  return seed;
}

/** Security group ids `sg-<hex13><nnn>` for n = 0…count-1: 17 hex digits, as AWS issues them. */
export function sourceGroupIds(hex13: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `sg-${hex13}${String(n).padStart(3, '0')}`);
}

/** No Wait state and no retry interval on the way to a grant and back: the workflow runs at once. */
export const NO_GRANT_WAITS = {
  waitOverridesMs: { 'Wait before next check': 0, 'Wait for revoke': 0, 'Wait before next revoke check': 0 },
  retryIntervalOverridesMs: { 'Grant ingress': 0, 'Check grant status': 0, 'Revoke access': 0, 'Check revoke': 0 },
};
