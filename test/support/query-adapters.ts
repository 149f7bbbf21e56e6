/**
 * The grant adapters pointed at an emulator, for tests that drive them directly. Their EC2 and ElastiCache
 * calls (functions/adapters/aws-query-call.ts) take the endpoint, region and credentials from the
 * environment, as a function's do, once per module instance: each call here sets the environment and
 * loads a fresh instance of the module, so one test file can drive several emulators.
 */
export async function adaptersAgainst<M>(emulator: { url: string }, load: () => Promise<M>): Promise<M> {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    ELASTICACHE_ENDPOINT: emulator.url,
    EC2_ENDPOINT: emulator.url,
  });
  let loaded: M | undefined;
  await jest.isolateModulesAsync(async () => {
    loaded = await load();
  });
  return loaded as M;
}
