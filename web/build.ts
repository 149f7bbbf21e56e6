/**
 * Builds the web app's static files: the HTML shell, one ES module bundle (the app and oidc-client-ts,
 * minified), the stylesheet, and the API's OpenAPI document (/openapi.json). The local stack serves them from memory; `npm run build:web` writes them to
 * .web/ for the S3 bucket behind CloudFront. They never go into a function's zip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { openApiDocument } from '../openapi/document.js';

export interface WebFile {
  body: Buffer;
  contentType: string;
}

/** The app's runtime settings, served as /app-config.json next to the assets. */
export interface WebAppConfig {
  issuer: string;
  clientId: string;
  scope: string;
}

export async function buildWebAssets(root: string): Promise<Map<string, WebFile>> {
  const result = await build({
    entryPoints: [join(root, 'web/src/main.ts')],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0];
  if (!script) throw new Error('esbuild produced no bundle for web/src/main.ts');
  return new Map<string, WebFile>([
    ['/index.html', { body: readFileSync(join(root, 'web/index.html')), contentType: 'text/html; charset=utf-8' }],
    ['/assets/app.js', { body: Buffer.from(script.contents), contentType: 'text/javascript; charset=utf-8' }],
    ['/assets/app.css', { body: readFileSync(join(root, 'web/app.css')), contentType: 'text/css; charset=utf-8' }],
    ['/assets/favicon.svg', { body: readFileSync(join(root, 'web/favicon.svg')), contentType: 'image/svg+xml' }],
    // The API's description, derived from the schemas the functions validate with: served beside the app.
    ['/openapi.json', { body: Buffer.from(JSON.stringify(openApiDocument(), null, 2)), contentType: 'application/json' }],
  ]);
}

/** The paths the HTML shell answers (the app routes itself in the browser). */
export function isAppPage(path: string): boolean {
  return path === '/' || path === '/app' || path.startsWith('/app/');
}
