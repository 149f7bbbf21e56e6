/**
 * What `npm start` does, as a function the e2e test can call in-process: parse the options, start the
 * local stack with the demo data, print the banner and one line per state change.
 *   --fast         20× faster, for demos: AWS's timing (the classic minute, EC2's visibility delay), the check
 *                  schedule, and the policy's minutes (a 1-minute grant lasts 3 s and then ends by itself)
 *   --port N       the API's port (default 3000, or PORT); 0 picks a free one
 */
import { ScaledClock } from './aws-emulator/clock.js';
import { DEMO_USERS, startLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';

export const USAGE = 'Usage: npm start [-- --fast] [-- --port N]   (or PORT=N npm start)';
export const FAST_SCALE = 20;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions {
  port: number;
  fast: boolean;
}

export function parseArgs(argv: string[], env: Record<string, string | undefined>): CliOptions | 'help' {
  let port = env.PORT ?? '3000';
  let fast = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--fast') fast = true;
    else if (arg === '--port') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('--port needs a number');
      port = value;
    } else if (arg.startsWith('--port=')) port = arg.slice('--port='.length);
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new UsageError(`unknown option "${arg}"`);
  }
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`the port must be a number from 0 to 65535, got "${port}"`);
  return { port: Number(port), fast };
}

const time = (): string => new Date().toISOString().slice(11, 19);

export function stackOptions(cli: CliOptions, write: (text: string) => void): LocalStackOptions {
  const scale = cli.fast ? FAST_SCALE : 1;
  return {
    port: cli.port,
    // The local OIDC issuer next to it (3001 for 3000), so its URL stays the same from run to run.
    issuerPort: cli.port === 0 || cli.port === 65535 ? 0 : cli.port + 1,
    logLevel: 'warn',
    // The approvals channel gets interactive buttons; each approver's DM, link buttons to their own page.
    slack: { mode: 'app', directMessages: true },
    onStateChange: ({ execution, state, kind, error }) => {
      const id = execution.name.slice(0, 8);
      write(kind === 'entered' ? `${time()}  request ${id}…  ${state}\n` : `${time()}  request ${id}…  ${state}: ${kind} (${error ?? 'error'})\n`);
    },
    // Without --fast: the emulator's AWS-like defaults (the classic minute; EC2 rules visible 0–2 s after
    // the call, 2% up to 10 s) and the deployed check schedule (functions/config.ts).
    ...(cli.fast
      ? {
          emulator: { clock: new ScaledClock(scale) },
          // The deployed schedule (40 s, every 2 s, 20 s at most, 45 s per invocation, 300 s in all), scaled.
          grant: { firstCheckSeconds: 40 / scale, pollIntervalMs: 2000 / scale, pollWindowMs: 45000 / scale, recheckSeconds: 20 / scale, verifyTimeoutSeconds: 300 / scale },
          // The policy's minutes (approval window, reminders, durations, warnings, extensions), scaled too.
          policyMinuteMs: 60_000 / scale,
        }
      : {}),
  };
}

export function banner(stack: LocalStack, fast: boolean): string {
  const token = `$(curl -s ${stack.url}/dev/tokens | node -pe 'JSON.parse(require("fs").readFileSync(0)).users[0].token')`;
  return `
cachegate local stack is up${fast ? ` (--fast: AWS's timing, the checks and the policy's minutes ${FAST_SCALE}× faster: a minute of access lasts ${60 / FAST_SCALE} s)` : ''}
  web app        ${stack.url}/   (sign in as alice, bob or carol at the local issuer ${stack.issuer})
  API            ${stack.url}
  outbox         ${stack.url}/dev/outbox   (emails, Slack messages and EventBridge events; open it in a browser)
  tokens         ${stack.url}/dev/tokens   (bearer tokens of the demo users)
  reconcile      curl -X POST ${stack.url}/dev/reconcile   (one reconciler run now; answers its summary)
  AWS emulator   ${stack.emulator.url}/_emulator/state
  users          ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}

Ask for access as alice, VPC mode (a rule on the cluster's cachegate-managed security group; what real accounts need):
  curl -s -X POST ${stack.url}/requests -H "Authorization: Bearer ${token}" \\
    -H 'Content-Type: application/json' \\
    -d '{"replicationGroupId":"orders-cache","sourceSecurityGroupId":"sg-0a99000000000001","reason":"new orders worker"}'

Classic mode (an EC2-Classic cache security group, the ElastiCache guide's example):
  curl -s -X POST ${stack.url}/requests -H "Authorization: Bearer ${token}" \\
    -H 'Content-Type: application/json' \\
    -d '{"cacheSecurityGroupName":"default","ec2SecurityGroupName":"myec2group","ec2SecurityGroupOwnerId":"987654321021","reason":"debug a cache miss storm"}'

Or in a browser: open ${stack.url}/, sign in as alice, ask for access; sign in as bob (another browser
profile or a private window), decide under "To decide"; alice's page turns ACTIVE by itself.
Then open ${stack.url}/dev/outbox, follow bob's approval link, and press Approve.
Or approve from Slack: the approval message is in the outbox too, and its Approve/Deny buttons there send
Slack's signed click as a Slack user (bob is U0BOB00001, carol U0CAROL001); from a shell:
  curl -s -X POST ${stack.url}/dev/slack/click -d request=<id> -d action=approve -d user=U0BOB00001
Watch it here, or: curl -s ${stack.url}/requests/<id> -H "Authorization: Bearer ${token}"
Try an outage: mail, Slack or EventBridge (/dev/faults/events) down (state=down), slow (state=slow, delayMs=…) and back (state=up):
  curl -s -X POST ${stack.url}/dev/faults/slack -d state=down      (curl -s ${stack.url}/dev/faults: how each is)
Ctrl-C stops.

`;
}

/** Starts the stack as `npm start` does; the caller owns stopping it. */
export async function startFromCommandLine(argv: string[], env: Record<string, string | undefined>, write: (text: string) => void): Promise<LocalStack | undefined> {
  const cli = parseArgs(argv, env);
  if (cli === 'help') {
    write(`${USAGE}\n`);
    return undefined;
  }
  let stack: LocalStack;
  try {
    stack = await startLocalStack(stackOptions(cli, write));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${cli.port} is in use; set PORT or pass --port`);
    throw error;
  }
  write(banner(stack, cli.fast));
  return stack;
}
