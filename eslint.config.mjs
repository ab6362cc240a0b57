// Lint: typescript-eslint's recommended rules plus the layer boundaries drawn in README
// "Architecture" (who may import whom). Type-checking itself is `npm run check`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The rooms of src/ and who may import them (besides Node built-ins and packages). */
const ROOMS = {
  core: ['shared'],
  agent: ['core', 'shared'],
  // The CLI binary hosts `serve` and `mcp` as subcommands: it may start them.
  cli: ['core', 'agent', 'shared', 'serve', 'mcp'],
  serve: ['core', 'agent', 'shared'],
  mcp: ['core', 'agent', 'shared'],
  extension: ['core', 'agent', 'shared', 'protocol'],
  supervisor: ['core', 'shared'],
  protocol: ['shared'],
  shared: [],
};
const ALL = Object.keys(ROOMS);

/**
 * `no-restricted-imports` sees import strings, not resolved paths: a file N folders below src/
 * reaches another room as `../` × N + room. One block per depth keeps that exact.
 */
function roomRules(room, allowed) {
  const banned = ALL.filter((r) => r !== room && !allowed.includes(r));
  return [1, 2, 3, 4].map((depth) => ({
    files: [`src/${room}/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: room === 'extension' ? [] : [{ name: 'vscode', message: `src/${room} does not import vscode: only src/extension does.` }],
          patterns: banned.map((r) => ({
            group: [`${'../'.repeat(depth)}${r}`, `${'../'.repeat(depth)}${r}/**`],
            message: `src/${room} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'itself'} (README "Architecture").`,
          })),
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'test-results/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      // A `let` assigned once, after a closure that reads it was created, cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  ...Object.entries(ROOMS).flatMap(([room, allowed]) => roomRules(room, allowed)),
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview talks to the host only through messages.' }],
          patterns: [
            { regex: '^\\.\\./src/(?!protocol/|shared/)', message: 'The webview imports only src/protocol and src/shared.' },
            { group: ['node:*'], message: 'The webview runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    // Tests read parsed JSON answers field by field; the product code has no `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workloads for the process tests, plain CommonJS scripts run by node.
    files: ['test/fixtures/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        setInterval: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Code run inside the page by playwright's evaluate().
    files: ['bench/panel-*.mjs'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', requestAnimationFrame: 'readonly' } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
);
