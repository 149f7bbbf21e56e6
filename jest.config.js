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
  // The suite-wide check that no task token leaks into logs, responses, messages or stored history.
  setupFilesAfterEnv: ['<rootDir>/test/support/no-token-leaks.ts'],
};
