/**
 * `npm start`: the local stack with the demo data, on http://127.0.0.1:3000 (PORT to change).
 *   --fast   AWS's one-minute propagation and the Wait states scaled down 20×, for demos
 */
import { ScaledClock } from './aws-emulator/clock.js';
import { DEMO_USERS, startLocalStack, type LocalStackOptions } from './stack.js';

const USAGE = 'Usage: npm start [-- --fast] [-- --port N]   (or PORT=N npm start)';

function fail(message: string): never {
  process.stderr.write(`cachegate: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { port: number; fast: boolean } {
  let port = process.env.PORT ?? '3000';
  let fast = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--fast') fast = true;
    else if (arg === '--port') port = argv[++i] ?? fail('--port needs a number');
    else if (arg?.startsWith('--port=')) port = arg.slice('--port='.length);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown option "${arg}"`);
  }
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`PORT must be a number from 1 to 65535, got "${port}"`);
  return { port: Number(port), fast };
}

const time = (): string => new Date().toISOString().slice(11, 19);

async function main(): Promise<void> {
  const { port, fast } = parseArgs(process.argv.slice(2));
  const scale = fast ? 20 : 1;
  const options: LocalStackOptions = {
    port,
    logLevel: 'warn',
    onStateChange: ({ execution, state, kind, error }) => {
      const id = execution.name.slice(0, 8);
      process.stdout.write(kind === 'entered' ? `${time()}  request ${id}…  ${state}\n` : `${time()}  request ${id}…  ${state}: ${kind} (${error ?? 'error'})\n`);
    },
    ...(fast
      ? {
          emulator: { clock: new ScaledClock(scale) },
          grant: { firstCheckSeconds: 1, pollIntervalMs: 3000 / scale, pollWindowMs: 21000 / scale, recheckSeconds: 1, verifyTimeoutSeconds: 300 },
          waitOverridesMs: { 'Wait for propagation': (45 * 1000) / scale, 'Wait before next check': (10 * 1000) / scale },
        }
      : {}),
  };
  let stack;
  try {
    stack = await startLocalStack(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`port ${port} is in use; set PORT or pass --port`);
    throw error;
  }
  const alice = stack.tokens['alice@example.com'];
  process.stdout.write(`
cachegate local stack is up${fast ? ' (--fast: AWS propagation and waits 20× faster)' : ''}
  API            ${stack.url}
  outbox         ${stack.url}/dev/outbox   (emails and Slack messages; open it in a browser)
  tokens         ${stack.url}/dev/tokens   (bearer tokens of the demo users)
  AWS emulator   ${stack.emulator.url}/_emulator/state
  users          ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}

Ask for access as alice, classic mode (EC2-Classic cache security group, the seed's example):
  curl -s -X POST ${stack.url}/requests -H "Authorization: Bearer $(curl -s ${stack.url}/dev/tokens | node -pe 'JSON.parse(require("fs").readFileSync(0)).users[0].token')" \\
    -H 'Content-Type: application/json' \\
    -d '{"cacheSecurityGroupName":"default","ec2SecurityGroupName":"myec2group","ec2SecurityGroupOwnerId":"987654321021","reason":"debug a cache miss storm"}'

VPC mode (a rule on the cluster's cachegate-managed security group; what real accounts need):
  curl -s -X POST ${stack.url}/requests -H "Authorization: Bearer ${alice}" \\
    -H 'Content-Type: application/json' \\
    -d '{"replicationGroupId":"orders-cache","sourceSecurityGroupId":"sg-0a99000000000001","reason":"new orders worker"}'

Then open ${stack.url}/dev/outbox, follow bob's approval link, and press Approve. Ctrl-C stops.

`);
  const stop = (): void => {
    process.stdout.write('\nstopping…\n');
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`cachegate: the local stack failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
