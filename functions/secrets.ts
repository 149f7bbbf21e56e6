/**
 * Secrets reach handlers through the middy context (loaded by secrets-middleware.ts). In AWS they are SSM Parameter Store SecureStrings,
 * fetched at cold start and kept for 15 minutes (never in environment variables or the template);
 * locally (SECRETS_SOURCE=env) they come from the environment of the local stack.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { secretsConfig } from './config.js';
import { ConfigError } from './errors.js';

/**
 * What is read from SSM at cold start: the secrets, and the approval policy (not secret, but too large for
 * Lambda's 4 KB environment once it lists requesters; README, "The approval policy").
 */
export type SecretName = 'linkSigningKey' | 'slackSigningSecret' | 'slackBotToken' | 'slackWebhookUrl' | 'approvalPolicy';
export type SecretsContext = Partial<Record<SecretName, string>>;

/** What every function that notifies needs for Slack (only those configured are loaded). */
export const SLACK_NOTIFY_SECRETS: readonly SecretName[] = ['slackBotToken', 'slackWebhookUrl'];

export const PARAMETER_VARIABLES: Record<SecretName, string> = {
  linkSigningKey: 'LINK_SIGNING_KEY_PARAMETER',
  slackSigningSecret: 'SLACK_SIGNING_SECRET_PARAMETER',
  slackBotToken: 'SLACK_BOT_TOKEN_PARAMETER',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL_PARAMETER',
  approvalPolicy: 'APPROVAL_POLICY_PARAMETER',
};
const VALUE_VARIABLES: Record<SecretName, string> = {
  linkSigningKey: 'LINK_SIGNING_KEY',
  slackSigningSecret: 'SLACK_SIGNING_SECRET',
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL',
  approvalPolicy: 'APPROVAL_POLICY',
};

/** A secret from the context; a clear error naming the variable to set if it is not configured. */
export function requireSecret(context: object, name: SecretName): string {
  const value = (context as SecretsContext)[name];
  if (typeof value === 'string' && value.length > 0) return value;
  const config = secretsConfig();
  const variable = config.source === 'env' ? VALUE_VARIABLES[name] : PARAMETER_VARIABLES[name];
  throw new ConfigError(`Secret ${name} is not configured: set ${variable}`);
}

export function optionalSecret(context: object, name: SecretName): string | undefined {
  const value: unknown = (context as SecretsContext)[name];
  // @middy/ssm parses a parameter whose value is JSON (the approval policy): give it back as the text it was.
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
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
