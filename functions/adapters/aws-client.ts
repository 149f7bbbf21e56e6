/**
 * Every AWS SDK client cachegate makes is made here: the function's region, the local endpoint when one is
 * configured (unset in AWS), and credentials from the environment. Lambda hands a function its role's
 * credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the local stack does the
 * same), so `fromEnv` is all a function needs; the SDK's default chain (SSO, STS, INI files, IMDS) would
 * add about 100 KB to each bundle for nothing (scripts/esbuild-plugins.ts keeps it out).
 *
 * Call it at module scope with esbuild's pure annotation (a block comment `@__PURE__` before the call), so
 * that a function which imports the module but never uses the client leaves the client, and its SDK, out
 * of its bundle.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { awsConfig, type AwsConfig } from '../config.js';

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials: ReturnType<typeof fromEnv>;
}

/**
 * A client of `Client`'s service, pointed at the endpoint configured under `endpoint` (e.g. EC2_ENDPOINT);
 * `options` adds client settings of its own (e.g. a single short attempt where the caller retries).
 */
export function awsClient<C, O extends object = object>(Client: new (config: AwsClientConfig & O) => C, endpoint: keyof AwsConfig['endpoints'], options?: O): C {
  const { region, endpoints } = awsConfig();
  const url = endpoints[endpoint];
  return new Client({ ...(options as O), region, ...(url === undefined ? {} : { endpoint: url }), credentials: fromEnv() });
}
