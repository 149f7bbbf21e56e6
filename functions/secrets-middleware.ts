/**
 * The middleware that loads secrets onto the context: SSM Parameter Store SecureStrings in AWS (fetched at
 * cold start, cached by @middy/ssm), the environment locally. In a module of its own so that functions
 * without secrets do not bundle the SSM client.
 */
import type { MiddlewareObj } from '@middy/core';
import ssm from '@middy/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsConfig, secretsConfig, slackConfig, type SlackMode } from './config.js';
import type { SecretName, SecretsContext } from './secrets.js';

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

