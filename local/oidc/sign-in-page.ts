/** The local issuer's sign-in page: one button per demo user (no passwords; loopback only). */
import { escapeHtml } from '../../functions/domain/notification-messages.js';
import type { DemoUser } from './provider.js';

export function signInPage(uid: string, users: readonly DemoUser[]): string {
  const buttons = users
    .map((user) => `<li><button type="submit" name="user" value="${escapeHtml(user.email)}">${escapeHtml(user.email)}</button> <span>${escapeHtml(user.role)}</span></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · cachegate local issuer</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
ul{list-style:none;padding:0}li{margin:.6rem 0}button{font-size:1rem;padding:.5rem 1rem;min-width:14rem;border:1px solid #1f2328;border-radius:6px;background:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}span{color:#59636e}</style>
</head><body><main><h1>Sign in</h1>
<p>The local stack's OIDC issuer. Choose a demo user:</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login"><ul>${buttons}</ul></form>
</main></body></html>`;
}

/** The issuer's "sign out?" page; `form` is oidc-provider's hidden form (its anti-CSRF token). */
export function signOutPage(form: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign out · cachegate local issuer</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem;border:1px solid #1f2328;border-radius:6px;background:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}</style>
</head><body><main><h1>Sign out</h1><p>Sign out of the local issuer as well?</p>
${form}<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign out</button><button type="submit" form="op.logoutForm">No, stay signed in</button>
</main></body></html>`;
}
