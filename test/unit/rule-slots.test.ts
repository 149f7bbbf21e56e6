import { releaseSlots, reservations, reserveSlot, type SlotLedger } from '../../functions/domain/rule-slots.js';

const at = new Date('2026-01-01T00:00:00Z');
const ledger = (slots: SlotLedger['slots']): SlotLedger => ({ group: 'sg-0123456789abcdef0', slots, version: 3 });

describe('rule slots', () => {
  it('a new key takes a free slot; the quota counts ledger keys and grant records once each', () => {
    expect(reserveSlot(ledger({ a: { r1: 't' } }), 'b', 'r2', at, 2, ['a'])).toEqual({ kind: 'reserve', slots: { a: { r1: 't' }, b: { r2: at.toISOString() } } });
    expect(reserveSlot(ledger({ a: { r1: 't' } }), 'c', 'r2', at, 2, ['b'])).toEqual({ kind: 'full', taken: 2 });
  });

  it('a key already taken is shared without a new slot, even when the group is full; a retry of the same request writes nothing', () => {
    const full = ledger({ a: { r1: 't' }, b: { r2: 't' } });
    expect(reserveSlot(full, 'a', 'r3', at, 2, [])).toEqual({ kind: 'reserve', slots: { a: { r1: 't', r3: at.toISOString() }, b: { r2: 't' } } });
    expect(reserveSlot(ledger({}), 'c', 'r3', at, 2, ['c', 'd'])).toMatchObject({ kind: 'reserve' });
    expect(reserveSlot(full, 'a', 'r1', at, 2, [])).toEqual({ kind: 'held' });
  });

  it('releasing: a slot goes with its last reservation; nothing to release changes nothing', () => {
    const shared = ledger({ a: { r1: 't', r2: 't' }, b: { r3: 't' } });
    expect(releaseSlots(shared, (id) => id === 'r1')).toEqual({ a: { r2: 't' }, b: { r3: 't' } });
    expect(releaseSlots(shared, (id) => id === 'r3')).toEqual({ a: { r1: 't', r2: 't' } });
    expect(releaseSlots(shared, () => false)).toBeUndefined();
    expect(reservations(shared).map((r) => r.requestId)).toEqual(['r1', 'r2', 'r3']);
  });
});
