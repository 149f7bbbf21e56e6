// middy and aws-local-stepfunctions ship ES modules: let @swc/jest transform them too.
const esmPackages = ['@middy', 'aws-local-stepfunctions', 'jose', 'oidc-provider'];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  // Sources import './x.js' (nodenext); the files on disk are './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  // Two test processes on the 2-core machine: most of a workflow test is waiting (HTTP on loopback, the
  // functions' worker threads, the local Step Functions), so one process left a core mostly idle (npm test's
  // jest: 5m40s with one, 3m01s with two, back to back under the same load).
  maxWorkers: 2,
  // The template and bundles every local stack runs, built once before the test processes start.
  globalSetup: '<rootDir>/test/support/prepare-local-stack.ts',
  // The suite-wide check that no task token leaks into logs, responses, messages or stored history.
  setupFilesAfterEnv: ['<rootDir>/test/support/no-token-leaks.ts'],
};
