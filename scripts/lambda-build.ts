/**
 * The Lambda build as serverless-esbuild runs it for `npm run package`, for the tools that build functions
 * outside the framework (bench/bundles.ts, test/integration/bundling): serverless.yml's custom.esbuild
 * turned into esbuild's own options, the plugins file loaded, and each function's entry file.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { parse } from 'yaml';

// serverless-esbuild's own settings, which it removes before calling esbuild (its bundle.ts does the same).
const FRAMEWORK_ONLY = ['exclude', 'plugins', 'outputFileExtension', 'packager', 'packagerOptions', 'installExtraArgs', 'nativeZip', 'keepOutputDirectory', 'concurrency', 'zipConcurrency', 'watch'];

export interface LambdaBuild {
  /** esbuild's options for every function (entry and output left to the caller). */
  options: BuildOptions;
  /** The output file extension (serverless-esbuild's outputFileExtension). */
  extension: string;
  /** Each function's key in serverless.yml → its handler's source file. */
  entries: Record<string, string>;
}

export async function lambdaBuild(root = process.cwd()): Promise<LambdaBuild> {
  const config = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { logLevel: 'silent', merge: true }) as {
    functions: Record<string, { handler: string }>;
    custom: { esbuild: Record<string, unknown> & { exclude?: string[]; external?: string[]; plugins?: string; outputFileExtension?: string } };
  };
  const settings = config.custom.esbuild;
  const plugins = settings.plugins ? ((await import(resolve(root, settings.plugins))) as { default: Plugin[] }).default : [];
  const options = Object.fromEntries(Object.entries(settings).filter(([key]) => !FRAMEWORK_ONLY.includes(key))) as BuildOptions;
  const entries = Object.fromEntries(
    Object.entries(config.functions).map(([name, fn]) => [name, join(root, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`)]),
  );
  return {
    options: { ...options, external: [...(settings.external ?? []), ...(settings.exclude ?? [])], plugins },
    extension: settings.outputFileExtension ?? '.js',
    entries,
  };
}
