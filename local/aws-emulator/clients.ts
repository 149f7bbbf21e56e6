/**
 * SDK clients pointed at an emulator, for tests and local tools: dummy credentials (the emulator does
 * not check signatures) and, unless asked otherwise, retries without back-off so throttling tests run
 * in milliseconds while still going through the SDK's own retry classification.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

export interface EmulatorClientOptions {
  /** Total attempts per call, the first included (the SDK's default is 3). */
  maxAttempts?: number;
  /** Delay between attempts in ms; 0 unless given. */
  retryDelayMs?: number;
  region?: string;
}

export function emulatorClients(emulator: { url: string }, options: EmulatorClientOptions = {}): { elasticache: ElastiCacheClient; ec2: EC2Client } {
  const config = {
    endpoint: emulator.url,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? 3, options.retryDelayMs ?? 0),
  };
  return { elasticache: new ElastiCacheClient(config), ec2: new EC2Client(config) };
}
