/**
 * Structured JSON logs, one object a line, with the request id on every line once it is known
 * (the same shape as Powertools Logger's `appendKeys`). Never pass a token, a signature, a secret or a
 * full approval link: the fields are written as given.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { logConfig } from './config.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// One set of keys per invocation: in Lambda a container runs one at a time, but the local stack runs many
// concurrently in one process, and their lines must not borrow each other's request ids.
const invocationKeys = new AsyncLocalStorage<Record<string, unknown>>();
const processKeys: Record<string, unknown> = {};
const currentKeys = (): Record<string, unknown> => invocationKeys.getStore() ?? processKeys;

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: { name: error.name, message: error.message, stack: error.stack } };
  return error === undefined ? {} : { error: String(error) };
}

function write(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < ORDER[logConfig().level]) return;
  const { error, ...rest } = fields;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...currentKeys(), ...rest, ...errorFields(error) });
  if (level === 'error' || level === 'warn') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
  /** Keys added to every following line of this invocation (reset with resetKeys). */
  appendKeys(extra: Record<string, unknown>): void {
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
