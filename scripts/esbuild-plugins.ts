/**
 * The esbuild plugins of the Lambda build (serverless.yml, custom.esbuild.plugins; bench/bundles.ts uses
 * the same list). Loaded by serverless-esbuild with require(), so this file runs on Node's own TypeScript
 * support: erasable syntax only, and no relative imports.
 *
 * 1. sdkSchemaLiterals, a workaround to drop once upstream ships. Since about 3.930 the AWS SDK's generated
 *    `schemas/schemas_0.js` writes traits with computed keys, `{ [_xN]: _m }`, where `const _xN = "xmlName"`.
 *    esbuild cannot prove a computed key free of side effects (it could call a toString), so it keeps every
 *    schema object that has one, used or not (it kept 539 KB of @aws-sdk/client-ec2's schemas when the
 *    functions still used that client). Known upstream: aws/aws-sdk-js-v3 issue 7607; the generator fix,
 *    literal keys, is smithy-lang/smithy-typescript PR 1889. This plugin writes the same literal keys into
 *    the installed files as esbuild loads them, and the objects are equal key for key (test/integration/
 *    bundling proves it). Once the SDK ships literal keys the plugin finds nothing to rewrite, its test says
 *    so, and it can go.
 *
 *    The same plugin also registers only the errors cachegate names. Each client's schema module registers
 *    every modelled error of its service at load (`n0_registry.registerError(X$, X)`), which keeps every
 *    error class and schema in each bundle whatever the commands used: about 10 KB for DynamoDB, the one SDK
 *    client the functions still use. cachegate tells its errors apart by class (ConditionalCheckFailedException)
 *    or name, so a registration stays when its error's name appears in the functions' source
 *    (functions/**.ts), and always for the service's base exception. Any other modelled error still arrives
 *    as the service's base exception, named by its wire code, with its message and metadata, and is retried
 *    (or not) as before: no error of the service has a retryable trait (the plugin keeps any that would), and
 *    the SDK classifies throttling by name and status. The requests on the wire are the same. The two parts
 *    work together: an error schema whose registration is gone is dropped only once its keys are literal
 *    (DynamoDB's schemas: 6.7 KB with the registrations pruned alone, 4.3 KB with literal keys too).
 *
 * 2. sdkClientVersionOnly. Each client imports its whole package.json (about 2 KB, scripts and all) to
 *    read one field, its version, for the User-Agent header; the bundle gets `{ "version" }` alone.
 *
 * 3. sdkEventStreamsLeftOut. The SDK's protocols load event-stream support with a dynamic import, on the
 *    first event-stream operation. A one-file bundle inlines it anyway (about 15 KB); no operation
 *    cachegate calls has an event stream, so the bundle gets a module that fails loudly if one ever does.
 *
 * 4. nativeSha256Only. The SDK's SHA-256 (SigV4 signing) is node:crypto's, with a pure-JavaScript fallback
 *    for runtimes without it (3 KB in every bundle). Node always has SHA-256, FIPS builds included; the
 *    bundle gets a fallback that fails loudly instead.
 *
 * 5. lambdaCredentialsFromEnv. Every client cachegate makes takes `fromEnv()` credentials
 *    (functions/adapters/aws-client.ts): Lambda puts the function's credentials in environment variables.
 *    The SDK's default chain (SSO, STS, INI files, IMDS, with their own nested clients, about 100 KB) is still
 *    imported by every client's runtime config as a fallback, though never called when credentials are
 *    given. The bundle gets `fromEnv` as that fallback instead: the first link of the default chain, and the
 *    one that answers in Lambda.
 *
 * 6. sourceMapsOfOwnCode. With NODE_OPTIONS=--enable-source-maps, Node reads each bundle's map when it
 *    loads the bundle and resolves every source it lists: about 400 files, nearly all of them the SDK's,
 *    about 6 ms of every cold start. The map keeps cachegate's own files (functions/ and the like), so a
 *    stack trace still points at functions/…:line; a frame inside a dependency shows the bundle's own
 *    position instead of the dependency's file, which nobody edits.
 */
import type { Plugin } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A generated schema module of an AWS SDK client (or of the SDK's nested clients). */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;
/** `const _xN = "xmlName";`: the generated string table. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** `[_xN]:`, a computed key. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/** The module with each computed key written as the string literal it names; null when it has none. */
export function literalSchemaKeys(source: string, file = 'schema module'): string | null {
  if (source.search(COMPUTED_KEY) === -1) return null;
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) strings.set(name as string, literal as string);
  return source.replace(COMPUTED_KEY, (_key, name: string) => {
    const literal = strings.get(name);
    // A shape this rewrite does not know: fail the build rather than bundle something that is not equal.
    if (literal === undefined) throw new Error(`${file}: computed key [${name}] is not a string constant of the module`);
    return `${literal}:`;
  });
}

/** `n0_registry.registerError(X$, X);`: a modelled error registered at load. */
const ERROR_REGISTRATION = /^(\w+)_registry\.registerError\((\w+)\$, (\w+)\);\n/gm;

/**
 * The module with only the error registrations of `kept` names (and the base exception's, registered on
 * the synthetic `_s_registry`); null when it drops none. An error whose schema has a retryable or
 * throttling trait is kept too, so that the SDK's retries see it as before.
 */
export function keptErrorRegistrations(source: string, kept: ReadonlySet<string>): string | null {
  let dropped = false;
  const contents = source.replace(ERROR_REGISTRATION, (line, registry: string, schema: string) => {
    if (registry === '_s' || kept.has(schema)) return line;
    const declaration = new RegExp(`^export var ${schema}\\$ = \\[-3,[^;]*;`, 'm').exec(source)?.[0] ?? '';
    if (/retryable|throttling/.test(declaration)) return line;
    dropped = true;
    return '';
  });
  return dropped ? contents : null;
}

/** Every identifier-like word in the TypeScript under `dir`: the error names the code can mention. */
export function namesInSource(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts')) for (const [word] of readFileSync(join(dir, file), 'utf8').matchAll(/\b[A-Z]\w*/g)) names.add(word);
  }
  return names;
}

/** `functions`: where the handlers' code is; its error names are the registrations kept. */
export function sdkSchemaLiterals(functions = fileURLToPath(new URL('../functions', import.meta.url))): Plugin {
  return {
    name: 'sdk-schema-literals',
    setup(build) {
      let kept: Set<string> | undefined;
      build.onLoad({ filter: SCHEMA_MODULE }, async (args) => {
        kept ??= namesInSource(functions);
        const source = await readFile(args.path, 'utf8');
        const literal = literalSchemaKeys(source, args.path) ?? source;
        const contents = keptErrorRegistrations(literal, kept) ?? literal;
        return contents === source ? undefined : { contents, loader: 'js' };
      });
    },
  };
}

export function sdkClientVersionOnly(): Plugin {
  return {
    name: 'sdk-client-version-only',
    setup(build) {
      build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
        const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
        return { contents: JSON.stringify({ version }), loader: 'json' };
      });
    },
  };
}

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

export function lambdaCredentialsFromEnv(): Plugin {
  return {
    name: 'lambda-credentials-from-env',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => ({
        path: args.path,
        namespace: 'lambda-credentials-from-env',
        pluginData: { resolveDir: args.resolveDir },
      }));
      build.onLoad({ filter: /.*/, namespace: 'lambda-credentials-from-env' }, (args) => ({
        contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';",
        resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
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
  sdkSchemaLiterals(),
  sdkClientVersionOnly(),
  sdkEventStreamsLeftOut(),
  nativeSha256Only(),
  lambdaCredentialsFromEnv(),
  sourceMapsOfOwnCode(),
];
