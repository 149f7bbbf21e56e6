/**
 * A wire-level emulator of the ElastiCache (2015-02-02) and EC2 (2016-11-15) Query API subset cachegate
 * uses, for tests and `npm start`. Never deployed. The real SDK clients talk to it unchanged:
 *
 *   const emu = await startAwsEmulator({ seed: DEMO_SEED_PATH, clock: new ManualClock() });
 *   const client = new ElastiCacheClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
 */
export { startAwsEmulator } from './server.js';
export type { AwsEmulator, AwsEmulatorOptions, EmulatorCall } from './server.js';
export { ManualClock, ScaledClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { FaultController } from './faults.js';
export type { FailureSpec, Faults, RequestRate } from './faults.js';
export { CLASSIC_PROPAGATION_SPREAD, delaySampler, EC2_VISIBILITY_SPREAD } from './delay.js';
export type { DelaySpec, DelaySpread } from './delay.js';
export { DEMO_SEED_PATH, loadSeedFile, validateSeed } from './seed.js';
export type { AwsEmulatorSeed } from './seed.js';
export { AwsEmulatorState, createAwsEmulatorState, DEFAULT_SETTINGS } from './state.js';
export type { AuthorizationStatus, EmulatorSettings, EmulatorSnapshot } from './state.js';
export { emulatorClients } from './clients.js';
export type { EmulatorClientOptions } from './clients.js';
