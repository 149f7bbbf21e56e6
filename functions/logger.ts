/**
 * Structured JSON logs through Powertools Logger: one object a line, with Lambda's context (function name,
 * request id, cold start, X-Ray trace id: `logContext()` in each middleware stack), the level from LOG_LEVEL
 * (or Lambda's own log level setting), and the request id on every line once it is known. Never pass a
 * token, a signature, a secret or a full approval link: the fields are written as given.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logConfig } from './config.js';

const LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'SILENT' } as const;

const powertools = new Logger({ serviceName: 'cachegate', logLevel: LEVELS[logConfig().level] });

// One set of keys per invocation: in Lambda a container runs one at a time, but the local stack runs many
// concurrently in one process, and their lines must not borrow each other's request ids. So the keys are
// passed with each line rather than kept on the (shared) Powertools instance.
const invocationKeys = new AsyncLocalStorage<Record<string, unknown>>();
const processKeys: Record<string, unknown> = {};
const currentKeys = (): Record<string, unknown> => invocationKeys.getStore() ?? processKeys;

type Fields = Record<string, unknown>;

export const logger = {
  debug: (message: string, fields?: Fields) => powertools.debug(message, { ...currentKeys(), ...fields }),
  info: (message: string, fields?: Fields) => powertools.info(message, { ...currentKeys(), ...fields }),
  warn: (message: string, fields?: Fields) => powertools.warn(message, { ...currentKeys(), ...fields }),
  error: (message: string, fields?: Fields) => powertools.error(message, { ...currentKeys(), ...fields }),
  /** Keys added to every following line of this invocation (reset with resetKeys). */
  appendKeys(extra: Fields): void {
    Object.assign(currentKeys(), extra);
  },
  resetKeys(): void {
    const keys = currentKeys();
    for (const key of Object.keys(keys)) delete keys[key];
  },
  /** Runs one invocation with keys of its own (the HTTP and task middleware stacks wrap every handler). */
  scope<T>(run: () => Promise<T>): Promise<T> {
    return invocationKeys.run({}, run);
  },
};

/** Powertools' middy middleware: Lambda's context (and cold start) on every line of the invocation. */
export const logContext = () => injectLambdaContext(powertools);
