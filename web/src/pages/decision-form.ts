/** Approve / Deny with a comment (POST /requests/{id}/decision), for the request page and "To decide". */
import { api, ApiError } from '../api.js';
import { alertBox, el } from '../dom.js';
import type { AccessRequest } from '../types.js';

export function decisionForm(request: AccessRequest, done: (outcome: string) => void): HTMLFormElement {
  const id = `comment-${request.id}`;
  const message = el('div', { 'aria-live': 'polite' });
  const form = el(
    'form',
    { 'aria-label': `Decide on ${request.requester}'s request` },
    el('label', { for: id }, 'Comment (optional)'),
    el('textarea', { id, name: 'comment', maxlength: '500' }),
    el('button', { class: 'approve', type: 'submit', name: 'decision', value: 'approve' }, 'Approve'),
    el('button', { class: 'deny', type: 'submit', name: 'decision', value: 'deny' }, 'Deny'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const decision = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
    const comment = String(new FormData(form).get('comment') ?? '').trim();
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    api<{ outcome: string }>('POST', `/requests/${request.id}/decision`, { json: { decision, ...(comment ? { comment } : {}) } })
      .then(({ body }) => {
        const outcome = body?.outcome ?? 'recorded';
        message.replaceChildren(el('p', { class: 'success', role: 'status' }, outcome === 'recorded' ? 'Your approval is recorded; more are needed.' : `Request ${outcome}.`));
        done(outcome);
      })
      .catch((error: unknown) => {
        message.replaceChildren(alertBox(error instanceof ApiError ? error.message : String(error)));
        for (const button of form.querySelectorAll('button')) button.disabled = false;
      });
  });
  return form;
}
