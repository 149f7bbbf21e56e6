/**
 * The local OIDC issuer: panva's oidc-provider on its own loopback port (a second origin, as a real issuer
 * is), with the demo users. Authorization code + PKCE for the web app; JWT access tokens signed RS256 with
 * the claims the API reads in AWS (`email`, audience `cachegate`), so the local gateway checks them the way
 * API Gateway's JWT authorizer does: signature against the issuer's key, issuer, audience, expiry.
 * The sign-in page lists the demo users; there is no password (this runs only on 127.0.0.1).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import { signInPage, signOutPage } from './sign-in-page.js';

export const WEB_CLIENT_ID = 'cachegate-web';
/** The API, as a resource server: its access tokens carry this audience. */
export const API_AUDIENCE = 'cachegate';
const API_RESOURCE = 'urn:cachegate:api';
export const WEB_SCOPE = 'openid email';

/**
 * oidc-provider's in-memory store, as is: the local issuer lives as long as the stack (a restart signs
 * everyone out, which is fine here). A subclass, because oidc-provider warns on every start when given its
 * own class, a warning meant for production setups.
 */
class LocalStore extends MemoryAdapter {}

export interface DemoUser {
  email: string;
  role: string;
}

export interface LocalIssuer {
  issuer: string;
  /** The signing key pair (the gateway verifies with the public half; /dev/tokens signs with the private). */
  keys: { privateKey: KeyLike; publicKey: KeyLike };
  close(): Promise<void>;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startLocalIssuer(options: { port?: number; redirectOrigin: string; users: readonly DemoUser[] }): Promise<LocalIssuer> {
  const keys = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(keys.privateKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  const emails = new Set(options.users.map((user) => user.email));

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        // A public client (a single-page app): no secret, PKCE instead.
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${options.redirectOrigin}/app/callback`],
        post_logout_redirect_uris: [`${options.redirectOrigin}/`],
      },
    ],
    adapter: LocalStore,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'email'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    async findAccount(_ctx, id) {
      if (!emails.has(id)) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: id, email_verified: true }) };
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'text/html; charset=utf-8';
          ctx.body = signOutPage(form);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: WEB_SCOPE, audience: API_AUDIENCE, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    // The identity claim the API reads (functions/http/request-input.ts), in the access token as in AWS.
    extraTokenClaims: (_ctx, token) => ('accountId' in token ? { email: token.accountId, email_verified: true } : undefined),
    // The token endpoint answers the web app's origin only.
    clientBasedCORS: (_ctx, origin) => origin === options.redirectOrigin,
    // A first-party app: signing in is consenting.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client?.clientId ?? '');
      if (grantId) return oidc.provider.Grant.find(grantId);
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope(WEB_SCOPE);
      grant.addResourceScope(API_RESOURCE, WEB_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, IdToken: 3600, Session: 8 * 3600, Grant: 8 * 3600, Interaction: 600, AuthorizationCode: 60 },
    renderError(ctx, out) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `Sign-in error: ${out.error}${out.error_description ? `: ${out.error_description}` : ''}`;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submit: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!submit) {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // form-action would also govern the redirects after the post (back to the app): the app's origin too.
        'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${options.redirectOrigin}; frame-ancestors 'none'; base-uri 'none'`,
      });
      res.end(signInPage(uid, options.users));
      return;
    }
    const email = (await readForm(req)).get('user') ?? '';
    if (!emails.has(email)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('Pick one of the listed users.');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match?.[1]) {
      callback(req, res);
      return;
    }
    const submit = match[2] === '/login' && req.method === 'POST';
    interaction(req, res, match[1], submit).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(`Sign-in could not continue: ${(error as Error).message}. Start again from the app.`);
    });
  });

  return {
    issuer,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
