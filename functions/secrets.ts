/**
 * Secrets reach handlers through the middy context. In AWS they are SSM Parameter Store SecureStrings,
 * fetched at cold start and cached by @middy/ssm (never in environment variables or the template);
 * locally (SECRETS_SOURCE=env) they come from the environment of the local stack.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareObj } from '@middy/core';
import ssm from '@middy/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsConfig, secretsConfig, slackConfig, type SlackMode } from './config.js';
import { ConfigError } from './errors.js';

export type SecretName = 'linkSigningKey' | 'slackSigningSecret' | 'slackBotToken' | 'slackWebhookUrl';
export type SecretsContext = Partial<Record<SecretName, string>>;

/** What every function that notifies needs for Slack (only those configured are loaded). */
export const SLACK_NOTIFY_SECRETS: readonly SecretName[] = ['slackBotToken', 'slackWebhookUrl'];

const PARAMETER_VARIABLES: Record<SecretName, string> = {
  linkSigningKey: 'LINK_SIGNING_KEY_PARAMETER',
  slackSigningSecret: 'SLACK_SIGNING_SECRET_PARAMETER',
  slackBotToken: 'SLACK_BOT_TOKEN_PARAMETER',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL_PARAMETER',
};
const VALUE_VARIABLES: Record<SecretName, string> = {
  linkSigningKey: 'LINK_SIGNING_KEY',
  slackSigningSecret: 'SLACK_SIGNING_SECRET',
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- middy's middleware generics vary per handler
type AnyMiddleware = MiddlewareObj<any, any, Error, any>;

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
  const fetchData: Record<string, string> = {};
  for (const name of names) {
    const parameter = config.parameters[name];
    if (parameter !== undefined) fetchData[name] = parameter;
  }
  const { region, endpoints } = awsConfig();
  return ssm({
    AwsClient: SSMClient,
    awsClientOptions: { region, endpoint: endpoints.ssm },
    fetchData,
    setToContext: true,
    cacheExpiry: 15 * 60 * 1000,
  }) as AnyMiddleware;
}

/** A secret from the context; a clear error naming the variable to set if it is not configured. */
export function requireSecret(context: object, name: SecretName): string {
  const value = (context as SecretsContext)[name];
  if (typeof value === 'string' && value.length > 0) return value;
  const config = secretsConfig();
  const variable = config.source === 'env' ? VALUE_VARIABLES[name] : PARAMETER_VARIABLES[name];
  throw new ConfigError(`Secret ${name} is not configured: set ${variable}`);
}

export function optionalSecret(context: object, name: SecretName): string | undefined {
  const value = (context as SecretsContext)[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

const invocationSecrets = new AsyncLocalStorage<SecretsContext>();

/**
 * Runs one invocation with its context's secrets reachable through `ambientSecret`, for code far from the
 * handler (notifications, reached from decisions and workflow tasks alike). The HTTP and task middleware
 * stacks wrap every handler in it; each invocation has its own scope, so concurrent ones (the local stack)
 * never see each other's.
 */
export function withInvocationSecrets<T>(context: object, run: () => Promise<T>): Promise<T> {
  return invocationSecrets.run(context as SecretsContext, run);
}

/**
 * A secret of the current invocation (loaded by its middleware), or, with SECRETS_SOURCE=env, from the
 * environment; undefined when not configured.
 */
export function ambientSecret(name: SecretName): string | undefined {
  const store = invocationSecrets.getStore();
  const value = store ? optionalSecret(store, name) : undefined;
  if (value !== undefined) return value;
  const config = secretsConfig();
  return config.source === 'env' ? config.values[name] : undefined;
}
