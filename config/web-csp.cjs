/**
 * The web app's Content-Security-Policy, in one place: CloudFront's response headers policy
 * (`${file(./config/web-csp.cjs)}` in serverless.yml, from the jwtIssuer param) and the local stack's
 * static server (local/web-assets.ts) both use it. Scripts and styles from the app's own origin only, no
 * inline script, Trusted Types on (the app renders with DOM APIs, never innerHTML), and network access to
 * the API (same origin) and the OIDC issuer, the only third-party origin.
 * CommonJS because the Serverless Framework v3 loads resolver files with require().
 */
function contentSecurityPolicy(issuerUrl, extraConnectOrigins = []) {
  const origins = [new URL(issuerUrl).origin, ...extraConnectOrigins.map((origin) => new URL(origin).origin)];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${[...new Set(origins)].join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

// serverless.yml: the issuer (and, e.g. for Cognito, the hosted UI's token endpoint origin) from params.
module.exports = async ({ resolveVariable }) => {
  const issuer = await resolveVariable('param:jwtIssuer');
  const extra = String(await resolveVariable('param:webTokenOrigin')).trim();
  return contentSecurityPolicy(issuer, extra ? [extra] : []);
};
module.exports.contentSecurityPolicy = contentSecurityPolicy;
