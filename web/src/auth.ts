/**
 * Signing in: OIDC authorization code + PKCE with oidc-client-ts, against the issuer the API trusts.
 * Tokens live in memory only (InMemoryWebStorage): never localStorage or sessionStorage, never a URL.
 * After a reload the app signs in again with a top-level redirect (no iframe, no silent renew, no refresh
 * token). What must survive that redirect is only the sign-in's own state (the PKCE verifier and where to
 * return), kept in sessionStorage until the callback and removed there: it is no credential for the API.
 */
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

export interface AppConfig {
  issuer: string;
  clientId: string;
  scope: string;
}

let manager: UserManager | undefined;
let user: User | undefined;

export function configureAuth(config: AppConfig): void {
  manager = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${location.origin}/app/callback`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: config.scope,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage, prefix: 'cachegate.signin.' }),
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });
}

function requireManager(): UserManager {
  if (!manager) throw new Error('sign-in is not configured');
  return manager;
}

export function signedInUser(): User | undefined {
  return user && !user.expired ? user : undefined;
}

export function accessToken(): string | undefined {
  return signedInUser()?.access_token;
}

/** A top-level redirect to the issuer; back at /app/callback, then at `returnTo`. */
export async function signIn(returnTo = location.pathname + location.search): Promise<never> {
  await requireManager().signinRedirect({ state: { returnTo } });
  return new Promise<never>(() => undefined);
}

/** At /app/callback: trades the code for tokens, removes the code from the URL, returns where to go. */
export async function completeSignIn(): Promise<string> {
  user = await requireManager().signinRedirectCallback();
  const state = user.state as { returnTo?: string } | undefined;
  const returnTo = state?.returnTo && state.returnTo.startsWith('/') && !state.returnTo.startsWith('//') ? state.returnTo : '/';
  history.replaceState(null, '', returnTo.startsWith('/app/callback') ? '/' : returnTo);
  return location.pathname;
}

/**
 * Ends the issuer's session too (RP-initiated logout), naming the app by its client_id: the ID token is
 * forgotten first, so that it never becomes an `id_token_hint` in a URL.
 */
export async function signOut(): Promise<void> {
  user = undefined;
  const manager = requireManager();
  await manager.removeUser();
  // Without an ID token, oidc-client-ts names the app by client_id (with post_logout_redirect_uri).
  await manager.signoutRedirect();
}
