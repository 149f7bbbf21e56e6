/** To decide: the pending requests the signed-in approver may still decide on. */
import { api } from '../api.js';
import { el, show } from '../dom.js';
import type { AccessRequest, RequestPage } from '../types.js';
import { requestCard } from './common.js';
import { decisionForm } from './decision-form.js';

export async function decidePage(me: string): Promise<void> {
  const items: AccessRequest[] = [];
  let cursor: string | undefined;
  // The approvers' queue is short: read it to the end (a few pages at most).
  do {
    const { body } = await api<RequestPage>('GET', `/requests?status=PENDING_APPROVAL&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...(body?.items ?? []));
    cursor = body?.nextCursor;
  } while (cursor);
  const mine = items.filter((request) => request.requester !== me && request.approvers.includes(me) && !request.approvals[me]);
  const list = el('ul', { class: 'cards' });
  for (const request of mine) {
    const card = requestCard(request);
    card.append(decisionForm(request, () => card.querySelector('form')?.setAttribute('aria-disabled', 'true')));
    list.append(card);
  }
  show('To decide', mine.length > 0 ? list : el('p', { class: 'note' }, 'Nothing waits for your decision.'));
}
