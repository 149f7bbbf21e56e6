/** `npm start`: the local stack with the demo data (see local/cli.ts for the options). */
import { startFromCommandLine, USAGE, UsageError } from './cli.js';

const write = (text: string): void => void process.stdout.write(text);

startFromCommandLine(process.argv.slice(2), process.env, write)
  .then((stack) => {
    if (!stack) return;
    const stop = (): void => {
      write('\nstopping…\n');
      void stack.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`cachegate: ${error.message}\n${USAGE}\n`);
    else process.stderr.write(`cachegate: the local stack failed to start: ${(error as Error).message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
