/**
 * Secrets reach handlers through the middy context. In AWS they are SSM Parameter Store SecureStrings,
 * fetched at cold start and cached by @middy/ssm (never in environment variables or the template);
 * locally (SECRETS_SOURCE=env) they come from the environment of the local stack.
 */
import type { MiddlewareObj } from '@middy/core';
import ssm from '@middy/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsConfig, secretsConfig } from './config.js';
import { ConfigError } from './errors.js';

export type SecretName = 'linkSigningKey' | 'slackSigningSecret' | 'slackBotToken' | 'slackWebhookUrl';
export type SecretsContext = Partial<Record<SecretName, string>>;

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

/** A middleware that puts the named secrets on the context (only those that are configured). */
export function secretsMiddleware(names: readonly SecretName[]): AnyMiddleware {
  const config = secretsConfig();
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
