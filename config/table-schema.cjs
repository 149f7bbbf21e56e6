/**
 * `${file(./config/table-schema.cjs):…}` in serverless.yml: the table's keys and indexes, taken from
 * functions/adapters/table-schema.ts, the one definition that the code and the local stack use as well.
 * The CLI runs on the project's Node 24 (through npm or npx), which loads that file by stripping its types;
 * so it must stay erasable TypeScript (no enums, no namespaces).
 * CommonJS because osls loads resolver files with require().
 */
module.exports = async () => {
  if (!process.features.typescript) {
    throw new Error(`Node ${process.version} cannot load functions/adapters/table-schema.ts: run the CLI through npm or npx, on the project's Node 24`);
  }
  const { TABLE_SCHEMA } = await import('../functions/adapters/table-schema.ts');
  return TABLE_SCHEMA;
};
