/**
 * SSM Parameter Store GetParameters (SecureStrings, decrypted), as one signed HTTPS call.
 *
 * Why not @aws-sdk/client-ssm: its client registers every one of SSM's ~200 modelled errors whatever the
 * commands used, 67 KB of each function that reads a secret (with @middy/ssm), for one read at cold start.
 * This call is the SDK's own parts without that (aws-json-call.ts). What we own is the AWS JSON 1.1
 * request and reply of one operation (test/integration/secrets checks it against what client-ssm sends);
 * errors are AwsJsonErrors named by SSM's code (e.g. AccessDeniedException).
 */
import { ConfigError } from '../errors.js';
import { awsJsonService, withRetries } from './aws-json-call.js';

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

interface GetParametersReply {
  Parameters?: { Name?: string; Value?: string }[];
  InvalidParameters?: string[];
}

const ssm = awsJsonService('ssm', 'AmazonSSM', 'SSM', 'ssm');

/**
 * The decrypted values of the named parameters, by name. A name SSM does not know is a ConfigError that
 * names it (the stack's parameter is missing or misspelled).
 */
export async function getSecureParameters(names: readonly string[]): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (let start = 0; start < names.length; start += NAMES_PER_CALL) {
    const batch = names.slice(start, start + NAMES_PER_CALL);
    const reply = await withRetries(() => ssm.call<GetParametersReply>('GetParameters', { Names: batch, WithDecryption: true }));
    if (reply.InvalidParameters?.length) {
      throw new ConfigError(`SSM parameter ${reply.InvalidParameters.join(', ')} does not exist`);
    }
    for (const parameter of reply.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) values[parameter.Name] = parameter.Value;
    }
  }
  return values;
}
