import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/', '.web/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // CommonJS helpers (e.g. the serverless variable resolver in config/).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Only functions/config.ts reads the environment: configuration is read and validated once, there.
    files: ['functions/**/*.ts'],
    ignores: ['functions/config.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through functions/config.ts.' }] },
  },
  {
    // Every AWS SDK client through one helper: credentials from the environment, local endpoints, and a
    // pure call, so bundles leave out clients a function never uses (functions/adapters/aws-client.ts).
    files: ['functions/**/*.ts'],
    ignores: ['functions/adapters/aws-client.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'NewExpression[callee.name=/Client$/]', message: 'Create AWS SDK clients with awsClient() (functions/adapters/aws-client.ts).' },
      ],
    },
  },
  {
    // Domain modules hold the rules; the outside world stays in adapters.
    files: ['functions/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '@middy/*', 'nodemailer', '../adapters/*'] }] },
  },
);
