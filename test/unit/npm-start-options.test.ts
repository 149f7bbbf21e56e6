/**
 * README, "npm ci && npm start": `PORT=8080 npm start` (or `-- --port 8080`) moves the stack off port 3000,
 * the local OIDC issuer runs on the next port (3001 for 3000), and `-- --fast` runs AWS's timing, the grant
 * checks and the policy's minutes 20× faster (POLICY_MINUTE_MS 3000: a 1-minute grant lasts 3 s).
 */
import { ScaledClock } from '../../local/aws-emulator/clock.js';
import { FAST_SCALE, parseArgs, stackOptions, UsageError } from '../../local/cli.js';

const quiet = (): void => undefined;

describe('the port', () => {
  it('is 3000 unless PORT or --port says otherwise, and the issuer takes the next one', () => {
    const plain = parseArgs([], {});
    expect(plain).toEqual({ port: 3000, fast: false });
    expect(stackOptions(plain as { port: number; fast: boolean }, quiet)).toMatchObject({ port: 3000, issuerPort: 3001 });
    for (const [argv, env] of [[[], { PORT: '8080' }], [['--port', '8080'], {}], [['--port=8080'], {}], [['--port', '8080'], { PORT: '9090' }]] as const) {
      const cli = parseArgs([...argv], env);
      expect(cli).toEqual({ port: 8080, fast: false });
      expect(stackOptions(cli as { port: number; fast: boolean }, quiet)).toMatchObject({ port: 8080, issuerPort: 8081 });
    }
  });

  it('0 picks free ports for both; anything but a port number is a usage error', () => {
    expect(stackOptions({ port: 0, fast: false }, quiet)).toMatchObject({ port: 0, issuerPort: 0 });
    for (const argv of [['--port', 'http'], ['--port', '70000'], ['--port'], ['--verbose']]) expect(() => parseArgs(argv, {})).toThrow(UsageError);
    expect(() => parseArgs([], { PORT: 'eighty' })).toThrow(UsageError);
  });
});

describe('--fast', () => {
  it('runs AWS, the check schedule and the policy’s minutes 20× faster', () => {
    const cli = parseArgs(['--fast'], {});
    expect(cli).toEqual({ port: 3000, fast: true });
    expect(FAST_SCALE).toBe(20);
    const options = stackOptions(cli as { port: number; fast: boolean }, quiet);
    expect(options.policyMinuteMs).toBe(3000);
    expect(options.emulator?.clock).toBeInstanceOf(ScaledClock);
    expect((options.emulator?.clock as ScaledClock).factor).toBe(20);
    expect(options.grant).toEqual({ firstCheckSeconds: 2, pollIntervalMs: 100, pollWindowMs: 2250, recheckSeconds: 1, verifyTimeoutSeconds: 15 });
  });

  it('without it, AWS’s own timing: no scaled clock, the deployed schedule and real minutes', () => {
    const options = stackOptions({ port: 3000, fast: false }, quiet);
    expect(options.emulator).toBeUndefined();
    expect(options.grant).toBeUndefined();
    expect(options.policyMinuteMs).toBeUndefined();
  });
});
