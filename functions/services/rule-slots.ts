/**
 * Rule slots on the managed VPC groups (domain/rule-slots.ts). A submission that needs a new rule reserves
 * a slot, or is refused at once (422 naming the group and its quota), so that no request fails after
 * approval for want of room; the reservation is released when the request is final. The ledger changes
 * only by conditional writes: a lost race reads again. A crash before a release leaves a reservation
 * naming a final (or never stored) request, which the reconciler releases.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { grantConfig } from '../config.js';
import type { GrantTarget } from '../domain/access-request.js';
import { grantScope, type ResolvedTarget } from '../domain/grant-driver.js';
import { releaseSlots, reserveSlot, type SlotLedger } from '../domain/rule-slots.js';
import { ServiceUnavailableError, UnprocessableError } from '../errors.js';
import { requestStore } from '../adapters/request-store.js';

/** Submissions to one group at the same moment each need a turn at the ledger: enough for dozens at once. */
const ATTEMPTS = 12;

/** The managed group a VPC target's rule goes on (classic targets have no rule slots). */
function slotGroup(target: GrantTarget, resolved: ResolvedTarget): string | undefined {
  return target.mode === 'vpc' ? grantScope(target, resolved) : undefined;
}

export async function reserveRuleSlot(input: { target: GrantTarget; resolved: ResolvedTarget; key: string; requestId: string; now: Date }): Promise<void> {
  const group = slotGroup(input.target, input.resolved);
  if (group === undefined) return;
  const quota = grantConfig().rulesPerSecurityGroup;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [ledger, records] = await Promise.all([requestStore.slotLedger(group), requestStore.grantRecords(group)]);
    const outcome = reserveSlot(
      ledger,
      input.key,
      input.requestId,
      input.now,
      quota,
      records.map((record) => record.key),
    );
    if (outcome.kind === 'held') return;
    if (outcome.kind === 'full') {
      const message = `${group} has no free rule slot: cachegate holds ${outcome.taken} of its quota of ${quota} inbound rules (granted or waiting for approval). Ask again when some access ends, or raise the quota (rules per security group) and the rulesPerSecurityGroup parameter.`;
      const field = 'sourceSecurityGroupId';
      throw new UnprocessableError(message, [{ field, message }]);
    }
    if (await requestStore.putSlotLedger(group, outcome.slots, ledger.version, input.now)) return;
    // Another submission took a turn first: read again after a short, jittered pause.
    await sleep(Math.random() * 20 * (attempt + 1));
  }
  throw new ServiceUnavailableError(`Too many requests for ${group} at this moment; send this request again.`, 1);
}

/** Releases reservations in a group's ledger (those `release` picks), on the version read. */
async function changeLedger(group: string, release: Parameters<typeof releaseSlots>[1], now: Date): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ledger: SlotLedger = await requestStore.slotLedger(group);
    const slots = releaseSlots(ledger, release);
    if (!slots) return;
    if (await requestStore.putSlotLedger(group, slots, ledger.version, now)) return;
  }
  throw new Error(`The rule slot ledger of ${group} kept changing; its reservations were not released`);
}

/** A request reached a final status: its reservation goes, and its slot is free if no other request holds it. */
export async function releaseRuleSlot(request: { id: string; target: GrantTarget; resolved: ResolvedTarget }, now: Date): Promise<void> {
  const group = slotGroup(request.target, request.resolved);
  if (group === undefined) return;
  await changeLedger(group, (requestId) => requestId === request.id, now);
}

/** The reconciler's repair: releases the reservations of these requests (final, or never stored). */
export async function releaseReservations(group: string, requestIds: ReadonlySet<string>, now: Date): Promise<void> {
  if (requestIds.size > 0) await changeLedger(group, (requestId) => requestIds.has(requestId), now);
}
