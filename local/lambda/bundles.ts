/**
 * Each function's bundle, built as serverless-esbuild builds it for `npm run package` (custom.esbuild of
 * the packaged service), plus the worker that runs one bundle (local/lambda/lambda-worker.ts). Cached by
 * a hash of the sources and settings, so a test run builds them once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { cacheDir, type PackagedService } from './packaged-service.js';

export interface Bundles {
  /** The bundle (.mjs) of each function, by serverless.yml key. */
  files: Record<string, string>;
  /** The worker's entry. */
  worker: string;
}

function sourceFiles(root: string): string[] {
  const files = ['package-lock.json', 'local/lambda/lambda-worker.ts'];
  for (const entry of readdirSync(join(root, 'functions'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath, entry.name).slice(root.length + 1));
  }
  return files.sort();
}

/** serverless-esbuild's options (custom.esbuild) as esbuild's own. */
function esbuildOptions(settings: Record<string, unknown>): BuildOptions {
  const { exclude, outputFileExtension, packager: _packager, ...rest } = settings as { exclude?: string[]; outputFileExtension?: string; packager?: unknown };
  return { ...(rest as BuildOptions), external: exclude ?? [], outExtension: { '.js': outputFileExtension ?? '.js' } };
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
  await build({ ...esbuildOptions(service.esbuild), entryPoints, outdir: building, logLevel: 'error' });
  await build({ entryPoints: [{ in: join(root, 'local/lambda/lambda-worker.ts'), out: 'lambda-worker' }], outdir: building, bundle: true, platform: 'node', format: 'esm', target: 'node24', outExtension: { '.js': '.mjs' }, logLevel: 'error' });
  try {
    renameSync(building, dir);
  } catch {
    // Another test process built the same bundles first: theirs are identical.
    rmSync(building, { recursive: true, force: true });
  }
  return { files, worker };
}
