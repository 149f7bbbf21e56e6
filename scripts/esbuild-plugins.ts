/**
 * The esbuild plugins of the Lambda build (serverless.yml, custom.esbuild.plugins; bench/bundles.ts uses
 * the same list). Loaded by serverless-esbuild with require(), so this file runs on Node's own TypeScript
 * support: erasable syntax only, and no relative imports.
 *
 * No function uses an AWS SDK client any more (every call is a signed JSON or Query call,
 * functions/adapters/aws-json-call.ts and aws-query-call.ts), so the plugins that trimmed the clients went
 * with them: literal schema keys (aws/aws-sdk-js-v3 issue 7607), pruned error registrations, the clients'
 * package.json, the default credential chain and DynamoDB's endpoint cache. What is left trims the parts of
 * the SDK core the signed calls still use.
 *
 * 1. sdkEventStreamsLeftOut. The SDK's protocols load event-stream support with a dynamic import, on the
 *    first event-stream operation. A one-file bundle inlines it anyway (about 15 KB); no operation
 *    cachegate calls has an event stream, so the bundle gets a module that fails loudly if one ever does.
 *
 * 2. nativeSha256Only. The SDK's SHA-256 (SigV4 signing) is node:crypto's, with a pure-JavaScript fallback
 *    for runtimes without it (3 KB in every bundle). Node always has SHA-256, FIPS builds included; the
 *    bundle gets a fallback that fails loudly instead.
 *
 * 3. sourceMapsOfOwnCode. With NODE_OPTIONS=--enable-source-maps, Node reads each bundle's map when it
 *    loads the bundle and resolves every source it lists: about 400 files, nearly all of them the SDK's,
 *    about 6 ms of every cold start. The map keeps cachegate's own files (functions/ and the like), so a
 *    stack trace still points at functions/…:line; a frame inside a dependency shows the bundle's own
 *    position instead of the dependency's file, which nobody edits.
 */
import type { Plugin } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export function sdkEventStreamsLeftOut(): Plugin {
  return {
    name: 'sdk-event-streams-left-out',
    setup(build) {
      build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
        args.kind === 'dynamic-import' ? { path: args.path, namespace: 'sdk-event-streams-left-out' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'sdk-event-streams-left-out' }, () => ({
        contents: "throw new Error('Event streams are left out of this bundle (scripts/esbuild-plugins.ts): no operation cachegate calls has one');",
        loader: 'js',
      }));
    },
  };
}

export function nativeSha256Only(): Plugin {
  return {
    name: 'native-sha256-only',
    setup(build) {
      build.onLoad({ filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Js\.js$/ }, () => ({
        contents: "export class Sha256Js { constructor() { throw new Error('No native SHA-256: the JavaScript fallback is left out of this bundle (scripts/esbuild-plugins.ts)'); } }",
        loader: 'js',
      }));
    },
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One source map segment's fields (VLQ-decoded, relative as in the map). */
function decodeSegment(text: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

function encodeSegment(fields: number[]): string {
  let text = '';
  for (const field of fields) {
    let value = field < 0 ? (-field << 1) | 1 : field << 1;
    do {
      const digit = value & 31;
      value >>>= 5;
      text += BASE64[value > 0 ? digit | 32 : digit];
    } while (value > 0);
  }
  return text;
}

export interface RawSourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  [key: string]: unknown;
}

/**
 * The map with only the sources `keep` accepts: a position that mapped elsewhere maps to nothing (a
 * one-field segment, so that it does not borrow the position before it).
 */
export function keepSources(map: RawSourceMap, keep: (source: string) => boolean): RawSourceMap {
  const newIndex = new Map<number, number>();
  const sources: string[] = [];
  map.sources.forEach((source, index) => {
    if (keep(source)) newIndex.set(index, sources.push(source) - 1);
  });
  // Absolute values across the map (the generated column restarts on each line).
  let source = 0;
  let line = 0;
  let column = 0;
  let name = 0;
  const written = { source: 0, line: 0, column: 0, name: 0 };
  const lines = map.mappings.split(';').map((segments) => {
    let generated = 0;
    let writtenGenerated = 0;
    // Nothing maps at the start of a line until its first segment.
    let unmapped = true;
    const out: string[] = [];
    for (const segment of segments === '' ? [] : segments.split(',')) {
      const fields = decodeSegment(segment);
      generated += fields[0] ?? 0;
      const mapped = fields.length >= 4;
      if (mapped) {
        source += fields[1] ?? 0;
        line += fields[2] ?? 0;
        column += fields[3] ?? 0;
        if (fields.length >= 5) name += fields[4] ?? 0;
      }
      const target = mapped ? newIndex.get(source) : undefined;
      if (target === undefined) {
        // Unmapped from here on: one segment says so, until something maps again.
        if (!unmapped) {
          out.push(encodeSegment([generated - writtenGenerated]));
          writtenGenerated = generated;
          unmapped = true;
        }
        continue;
      }
      unmapped = false;
      const next = [generated - writtenGenerated, target - written.source, line - written.line, column - written.column];
      if (fields.length >= 5) {
        next.push(name - written.name);
        written.name = name;
      }
      out.push(encodeSegment(next));
      writtenGenerated = generated;
      written.source = target;
      written.line = line;
      written.column = column;
    }
    return out.join(',');
  });
  const kept = map.sourcesContent ? map.sources.map((_, index) => index).filter((index) => newIndex.has(index)) : [];
  return {
    ...map,
    sources,
    ...(map.sourcesContent ? { sourcesContent: kept.map((index) => map.sourcesContent?.[index] ?? null) } : {}),
    mappings: lines.join(';'),
  };
}

/** A source of the project's own, not a dependency's. */
const OWN_SOURCE = (source: string): boolean => !/(?:^|[\\/])node_modules[\\/]/.test(source);

export function sourceMapsOfOwnCode(): Plugin {
  return {
    name: 'source-maps-of-own-code',
    setup(build) {
      build.initialOptions.metafile = true;
      build.onEnd(async (result) => {
        // Written builds only (the bundle tests that keep outputs in memory read no maps).
        if (build.initialOptions.write === false) return;
        const root = build.initialOptions.absWorkingDir ?? process.cwd();
        for (const file of Object.keys(result.metafile?.outputs ?? {})) {
          if (!file.endsWith('.map')) continue;
          const path = resolve(root, file);
          const map = JSON.parse(await readFile(path, 'utf8')) as RawSourceMap;
          await writeFile(path, JSON.stringify(keepSources(map, OWN_SOURCE)));
        }
      });
    },
  };
}

export default [
  sdkEventStreamsLeftOut(),
  nativeSha256Only(),
  sourceMapsOfOwnCode(),
];
