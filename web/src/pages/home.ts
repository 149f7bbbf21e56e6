/** Home: sign in; once signed in, the way to every page, and the person's own requests. */
import { api } from '../api.js';
import { signedInUser, signIn } from '../auth.js';
import { el, show } from '../dom.js';
import type { RequestPage, TargetList } from '../types.js';
import { requestCard } from './common.js';

export async function homePage(roles: TargetList['caller'] | undefined): Promise<void> {
  if (!signedInUser() || !roles) {
    show(
      'Access to caches, approved and time-bound',
      el('p', {}, 'Ask for network access to an ElastiCache cluster; approvers decide; cachegate grants it and tells everyone.'),
      el('button', { class: 'primary', type: 'button', onclick: () => void signIn('/') }, 'Sign in'),
    );
    return;
  }
  const { body } = await api<RequestPage>('GET', '/requests?mine=true&limit=20');
  const mine = body?.items ?? [];
  show(
    `Hello, ${roles.email}`,
    el(
      'ul',
      {},
      el('li', {}, el('a', { href: '/app/ask' }, 'Ask for access')),
      roles.approver && el('li', {}, el('a', { href: '/app/decide' }, 'To decide')),
      roles.auditor && el('li', {}, el('a', { href: '/app/audit' }, 'Audit')),
    ),
    el('h2', {}, 'My requests'),
    mine.length > 0 ? el('ul', { class: 'cards' }, ...mine.map((request) => requestCard(request))) : el('p', { class: 'note' }, 'You have not asked for anything yet.'),
  );
}
