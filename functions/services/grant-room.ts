/**
 * A submission check on the grant a request would need, so that nothing is refused after approval: an
 * equal rule or authorization that cachegate did not create (no grant record for it) is refused, naming
 * it: cachegate cannot take back what it did not grant, so it does not manage it. A request that would
 * share an existing cachegate grant (a grant record exists) is not checked. (The other check, a free rule
 * slot on the managed group, is a reservation: services/rule-slots.ts.)
 */
import type { GrantTarget } from '../domain/access-request.js';
import { grantScope, grantsTarget, type ResolvedTarget } from '../domain/grant-driver.js';
import { UnprocessableError } from '../errors.js';
import { inventoryGrants } from '../adapters/grant-drivers.js';
import { requestStore } from '../adapters/request-store.js';

export async function checkGrantRoom(target: GrantTarget, resolved: ResolvedTarget, key: string): Promise<void> {
  if (await requestStore.grantRecord(key)) return;
  const scope = grantScope(target, resolved);
  if (scope === undefined) return;
  const field = target.mode === 'classic' ? 'ec2SecurityGroupName' : 'sourceSecurityGroupId';
  const existing = (await inventoryGrants(target, scope)).find((grant) => grantsTarget(grant, target, resolved) && grant.state !== 'absent');
  if (existing) {
    const what =
      target.mode === 'classic'
        ? `The authorization of ${existing.source} on cache security group ${scope} already exists`
        : `Rule ${existing.id} on ${scope} already lets ${target.sourceSecurityGroupId} in on port ${resolved.port ?? '?'}`;
    const message = `${what}, made outside cachegate. cachegate does not manage access it did not create: remove that grant, or ask without cachegate.`;
    throw new UnprocessableError(message, [{ field, message }]);
  }
}
