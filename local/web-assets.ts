/**
 * The web app on the local stack, as CloudFront serves it in AWS: the static files (built in memory by
 * web/build.ts), the HTML shell for `/` and `/app/*`, /app-config.json, and the same security headers as
 * the CloudFront response headers policy (the CSP from config/web-csp.cjs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildWebAssets, isAppPage, type WebAppConfig } from '../web/build.js';

const require = createRequire(import.meta.url);

export async function webAssets(root: string, config: WebAppConfig): Promise<(req: IncomingMessage, res: ServerResponse) => boolean> {
  const files = await buildWebAssets(root);
  files.set('/app-config.json', { body: Buffer.from(JSON.stringify(config)), contentType: 'application/json' });
  const { contentSecurityPolicy } = require(join(root, 'config/web-csp.cjs')) as { contentSecurityPolicy: (issuer: string) => string };
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy(config.issuer),
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = files.get(isAppPage(path) ? '/index.html' : path);
    if (!file) return false;
    res.writeHead(200, { ...headers, 'Content-Type': file.contentType, 'Cache-Control': path.startsWith('/assets/') ? 'no-cache' : 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
