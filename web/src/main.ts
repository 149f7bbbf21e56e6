/**
 * The web app: one HTML shell for `/` and `/app/*`; the path picks the page. Pages other than home sign
 * the reader in first (a top-level redirect to the issuer), then come back to the same path.
 */
import { api } from './api.js';
import { completeSignIn, configureAuth, signedInUser, signIn, signOut, type AppConfig } from './auth.js';
import { alertBox, append, el, show } from './dom.js';
import { askPage } from './pages/ask.js';
import { auditPage } from './pages/audit.js';
import { decidePage } from './pages/decide.js';
import { homePage } from './pages/home.js';
import { requestPage } from './pages/request.js';
import type { TargetList } from './types.js';

let roles: TargetList['caller'] | undefined;
let navigation = 0;

function renderNav(): void {
  const nav = document.getElementById('nav') as HTMLElement;
  if (!signedInUser() || !roles) {
    nav.replaceChildren();
    return;
  }
  const link = (href: string, label: string) => el('a', { href, 'aria-current': location.pathname === href ? 'page' : undefined }, label);
  nav.replaceChildren();
  append(
    nav,
    link('/', 'My requests'),
    link('/app/ask', 'Ask for access'),
    roles.approver && link('/app/decide', 'To decide'),
    roles.auditor && link('/app/audit', 'Audit'),
    el('span', { class: 'note' }, roles.email),
    el('button', { type: 'button', onclick: () => void signOut() }, 'Sign out'),
  );
}

async function route(): Promise<void> {
  const current = ++navigation;
  const isCurrent = (): boolean => current === navigation;
  const path = location.pathname;
  if (path === '/app/callback') {
    await completeSignIn();
    return route();
  }
  if (path !== '/' && !signedInUser()) return void (await signIn());
  if (signedInUser() && !roles) roles = (await api<TargetList>('GET', '/targets')).body?.caller;
  renderNav();
  const me = roles?.email ?? '';
  const request = /^\/app\/requests\/([0-9a-f-]{36})$/.exec(path);
  if (path === '/') await homePage(roles);
  else if (path === '/app/ask') await askPage(navigate);
  else if (path === '/app/decide') await decidePage(me);
  else if (path === '/app/audit') await auditPage(navigate);
  else if (request?.[1]) await requestPage(request[1], me, isCurrent);
  else show('Not found', el('p', {}, 'There is no such page. '), el('a', { href: '/' }, 'Go home'));
}

function navigate(path: string): void {
  history.pushState(null, '', path);
  void route().catch(fail);
}

function fail(error: unknown): void {
  show('Something went wrong', alertBox(error instanceof Error ? error.message : String(error)));
}

// Same-origin links inside the app navigate without a reload (a reload would mean signing in again).
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest('a');
  if (!link || link.origin !== location.origin || link.hasAttribute('download') || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (link.pathname !== '/' && !link.pathname.startsWith('/app/')) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
});
window.addEventListener('popstate', () => void route().catch(fail));

async function start(): Promise<void> {
  const config = (await (await fetch('/app-config.json')).json()) as AppConfig;
  configureAuth(config);
  await route();
}

start().catch(fail);
