/**
 * Each function's bundle, built as serverless-esbuild builds it for `npm run package` (custom.esbuild of
 * the packaged service), plus the worker that runs one bundle (local/lambda/lambda-worker.ts). Cached by
 * a hash of the sources and settings, so a test run builds them once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { cacheDir, type PackagedService } from './packaged-service.js';

export interface Bundles {
  /** The bundle (.mjs) of each function, by serverless.yml key. */
  files: Record<string, string>;
  /** The worker's entry. */
  worker: string;
}

function sourceFiles(root: string): string[] {
  const files = ['package-lock.json', 'local/lambda/lambda-worker.ts', 'scripts/esbuild-plugins.ts'];
  for (const entry of readdirSync(join(root, 'functions'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath, entry.name).slice(root.length + 1));
  }
  return files.sort();
}

// serverless-esbuild's own settings, which it removes before calling esbuild (as scripts/lambda-build.ts does).
const FRAMEWORK_ONLY = ['exclude', 'plugins', 'outputFileExtension', 'packager', 'packagerOptions', 'installExtraArgs', 'nativeZip', 'keepOutputDirectory', 'concurrency', 'zipConcurrency', 'watch'];

/** serverless-esbuild's options (custom.esbuild) as esbuild's own, with its plugins file loaded as it loads it. */
async function esbuildOptions(root: string, settings: Record<string, unknown>): Promise<BuildOptions> {
  const { exclude, outputFileExtension, plugins } = settings as { exclude?: string[]; outputFileExtension?: string; plugins?: string };
  const rest = Object.fromEntries(Object.entries(settings).filter(([key]) => !FRAMEWORK_ONLY.includes(key))) as BuildOptions;
  const loaded = plugins ? ((await import(resolve(root, plugins))) as { default: Plugin[] }).default : [];
  return { ...rest, external: [...(rest.external ?? []), ...(exclude ?? [])], plugins: loaded, outExtension: { '.js': outputFileExtension ?? '.js' } };
}

export async function functionBundles(root: string, service: PackagedService): Promise<Bundles> {
  const hash = createHash('sha256').update(JSON.stringify(service.esbuild)).update(JSON.stringify(service.functions.map((f) => [f.key, f.handler])));
  for (const file of sourceFiles(root)) hash.update(file).update(readFileSync(join(root, file)));
  const dir = join(cacheDir(root), `bundles-${hash.digest('hex').slice(0, 16)}`);
  const files = Object.fromEntries(service.functions.map((f) => [f.key, join(dir, `${f.key}.mjs`)]));
  const worker = join(dir, 'lambda-worker.mjs');
  if (existsSync(dir)) return { files, worker };

  const building = `${dir}.${process.pid}-${randomUUID().slice(0, 8)}`;
  const entryPoints = service.functions.map((f) => ({ in: join(root, `${f.handler.slice(0, f.handler.lastIndexOf('.'))}.ts`), out: f.key }));
  await build({ ...(await esbuildOptions(root, service.esbuild)), entryPoints, outdir: building, logLevel: 'error' });
  await build({ entryPoints: [{ in: join(root, 'local/lambda/lambda-worker.ts'), out: 'lambda-worker' }], outdir: building, bundle: true, platform: 'node', format: 'esm', target: 'node24', outExtension: { '.js': '.mjs' }, logLevel: 'error' });
  try {
    renameSync(building, dir);
  } catch {
    // Another test process built the same bundles first: theirs are identical.
    rmSync(building, { recursive: true, force: true });
  }
  return { files, worker };
}
