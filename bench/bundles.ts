/**
 * Each function's bundle, built as serverless.yml's esbuild settings build it: its size, and its module
 * init time (importing it in a fresh Node process, median of several), against the same handler with
 * its dependencies loaded unbundled from node_modules. Goals (issue 6): ≤ 250 KB minified, init ≤ 60 ms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';

const RUNS = 5;
const ENV = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench',
  PUBLIC_BASE_URL: 'https://example.com',
  SECRETS_SOURCE: 'env',
  LOG_LEVEL: 'silent',
};

interface EsbuildSettings {
  minify?: boolean;
  target?: string;
  mainFields?: string[];
  banner?: { js: string };
  exclude?: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Milliseconds to import `file` in a fresh process (the Lambda cold-start init phase, minus the runtime). */
function initTime(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: ENV }).toString()));
  return median(times);
}

export async function benchBundles(): Promise<void> {
  const config = parse(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' }) as {
    functions: Record<string, { handler: string }>;
    custom: { esbuild: EsbuildSettings };
  };
  const settings = config.custom.esbuild;
  const out = mkdtempSync(join(tmpdir(), 'cachegate-bench-'));
  const rows: string[] = [];
  let worstSize = 0;
  let worstInit = 0;
  try {
    for (const [name, fn] of Object.entries(config.functions)) {
      const entry = `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`;
      const common = { entryPoints: [entry], bundle: true, platform: 'node' as const, format: 'esm' as const, target: settings.target ?? 'node24', logLevel: 'silent' as const };
      const bundled = join(out, `${name}.mjs`);
      await build({ ...common, outfile: bundled, minify: settings.minify ?? true, external: settings.exclude ?? [], ...(settings.mainFields ? { mainFields: settings.mainFields } : {}), ...(settings.banner ? { banner: settings.banner } : {}) });
      // The same handler, its own code compiled, every dependency loaded from node_modules.
      const unbundled = join(process.cwd(), `.bench-${name}.mjs`);
      await build({ ...common, outfile: unbundled, packages: 'external' });
      const size = statSync(bundled).size / 1024;
      const bundledMs = initTime(bundled);
      const unbundledMs = initTime(unbundled);
      rmSync(unbundled);
      worstSize = Math.max(worstSize, size);
      worstInit = Math.max(worstInit, bundledMs);
      rows.push(`  ${name.padEnd(18)} ${size.toFixed(0).padStart(6)} KB   init ${bundledMs.toFixed(1).padStart(6)} ms   unbundled ${unbundledMs.toFixed(1).padStart(6)} ms`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`bundles (esbuild settings from serverless.yml; init = median of ${RUNS} fresh imports, Node ${process.version})`);
  for (const row of rows) console.log(row);
  console.log(`  largest ${worstSize.toFixed(0)} KB (goal ≤ 250 KB), slowest init ${worstInit.toFixed(1)} ms (goal ≤ 60 ms)`);
}
