#!/usr/bin/env node
/**
 * Compares two packaged CloudFormation templates after the normalisation documented in docs/cli.md:
 *   1. key order is ignored (both are written with sorted keys);
 *   2. the artifact directory in each S3Key, `serverless/<service>/<stage>/<epoch ms>-<ISO time>/`, is
 *      replaced by `serverless/<service>/<stage>/<artifact-dir>/` (the CLI stamps it with the packaging time).
 *   3. only with --ignore-code, for two builds of different source code: the hash that names each function's
 *      version (`<Function>LambdaVersion<hash>`, and the outputs that refer to it) and its CodeSha256 become
 *      `<code>`. A comment or a line moved in a bundled source file changes the hash (the source maps change).
 * Nothing else is normalised: any other difference is printed with its JSON path, and the exit code is 1.
 *
 *   node scripts/compare-templates.mjs [--ignore-code] <before.json> <after.json>
 *
 * Used to show that moving the CLI (Serverless Framework v3 → osls) and restructuring serverless.yml leave the
 * deployed stack unchanged; see docs/cli.md for how the "before" template is made and what the last run found.
 */
import { readFileSync } from 'node:fs';

const ARTIFACT_DIRECTORY = /^(serverless\/[^/]+\/[^/]+\/)\d+-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z\//;
const VERSION_ID = /^([A-Za-z0-9]+LambdaVersion)[A-Za-z0-9]+$/;

export function normaliseTemplate(node, { ignoreCode = false } = {}) {
  const versionId = (text) => (ignoreCode ? text.replace(VERSION_ID, '$1<code>') : text);
  const normalise = (value) => {
    if (Array.isArray(value)) return value.map(normalise);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => {
          const child = value[key];
          if (key === 'S3Key' && typeof child === 'string') return [key, child.replace(ARTIFACT_DIRECTORY, '$1<artifact-dir>/')];
          if (ignoreCode && key === 'CodeSha256') return [key, '<code>'];
          if (ignoreCode && key === 'Ref' && typeof child === 'string') return [key, versionId(child)];
          return [versionId(key), normalise(child)];
        }),
    );
  };
  return normalise(node);
}

/** Every path at which the two normalised documents differ, with both sides (undefined: absent). */
export function differences(before, after, path = '$') {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const bothObjects = [before, after].every((side) => side !== null && typeof side === 'object' && Array.isArray(side) === Array.isArray(before));
  if (!bothObjects) return [{ path, before, after }];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => differences(before[key], after[key], Array.isArray(before) ? `${path}[${key}]` : `${path}.${key}`));
}

function main(args) {
  const ignoreCode = args.includes('--ignore-code');
  const [beforeFile, afterFile, ...rest] = args.filter((arg) => arg !== '--ignore-code');
  if (!beforeFile || !afterFile || rest.length > 0) {
    console.error('usage: node scripts/compare-templates.mjs [--ignore-code] <before.json> <after.json>');
    return 2;
  }
  const [before, after] = [beforeFile, afterFile].map((file) => normaliseTemplate(JSON.parse(readFileSync(file, 'utf8')), { ignoreCode }));
  const found = differences(before, after);
  for (const { path, before: was, after: is } of found) {
    console.log(`${path}\n  before: ${JSON.stringify(was) ?? '(absent)'}\n  after:  ${JSON.stringify(is) ?? '(absent)'}`);
  }
  const resources = (template) => Object.keys(template.Resources ?? {}).length;
  console.log(
    found.length === 0
      ? `Same after normalisation (${resources(before)} resources).`
      : `${found.length} difference(s) after normalisation (${resources(before)} resources before, ${resources(after)} after).`,
  );
  return found.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
