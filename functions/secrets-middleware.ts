/**
 * The middleware that loads secrets onto the context: SSM Parameter Store SecureStrings in AWS, the
 * environment locally. In AWS the read starts while the function initializes (it overlaps the rest of the
 * cold start, as @middy/ssm's prefetch did), is awaited by the first invocation, and is kept for 15 minutes,
 * so a rotated secret is picked up without a redeploy; a failed read is not kept, the next invocation
 * tries again. In a module of its own so that functions without secrets do not bundle the SSM call.
 */
import type { MiddlewareObj } from '@middy/core';
import { getSecureParameters } from './adapters/parameter-store.js';
import { secretsConfig, slackConfig, type SlackMode } from './config.js';
import type { SecretName, SecretsContext } from './secrets.js';

const CACHE_MS = 15 * 60 * 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- middy's middleware generics vary per handler
export type AnyMiddleware = MiddlewareObj<any, any, Error, any>;

/** Slack's secrets are read only in the Slack mode that uses them, so no parameter need exist when it is off. */
function usedInSlackMode(name: SecretName, mode: SlackMode): boolean {
  if (name === 'slackBotToken') return mode === 'app';
  if (name === 'slackWebhookUrl') return mode === 'webhook';
  // A webhook setup may still have an app with interactivity on (link-button clicks are acknowledged).
  if (name === 'slackSigningSecret') return mode !== 'off';
  return true;
}

/** A middleware that puts the named secrets on the context (only those that are configured and used). */
export function secretsMiddleware(requested: readonly SecretName[]): AnyMiddleware {
  const config = secretsConfig();
  const slackMode = slackConfig().mode;
  const names = requested.filter((name) => usedInSlackMode(name, slackMode));
  if (config.source === 'env') {
    return {
      before: (request) => {
        for (const name of names) {
          const value = config.values[name];
          if (value !== undefined) (request.context as SecretsContext)[name] = value;
        }
      },
    };
  }
  const parameters = new Map<SecretName, string>();
  for (const name of names) {
    const parameter = config.parameters[name];
    if (parameter !== undefined) parameters.set(name, parameter);
  }
  let cached: { secrets: Promise<SecretsContext>; expires: number } | undefined;
  const load = (): Promise<SecretsContext> => {
    if (cached === undefined || cached.expires <= Date.now()) {
      const secrets = getSecureParameters([...parameters.values()]).then((values) => {
        const loaded: SecretsContext = {};
        for (const [name, parameter] of parameters) loaded[name] = values[parameter];
        return loaded;
      });
      const entry = { secrets, expires: Date.now() + CACHE_MS };
      cached = entry;
      // A failure is the invocation's to report (it awaits the same promise), and is not kept.
      secrets.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.secrets;
  };
  // Nothing to read (e.g. Slack off): middy still wants a hook.
  if (parameters.size === 0) return { before: () => undefined };
  void load();
  return {
    before: async (request) => {
      Object.assign(request.context, await load());
    },
  };
}
