// Type-aware linting (typescript-eslint strictTypeChecked), as the house style asks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Forbids imports whose specifier matches one of `regexes` in `files`, with `message` as the reason. */
function layer(files, message, regexes) {
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }] },
  };
}

/**
 * Time and randomness come from one module per side (broker/clock.ts, client/clock.ts; cli/ uses the client's), so
 * drivers take them injected and tests drive them by hand. test/ and bench/ may read the real ones.
 */
const CLOCK_MESSAGE = 'Take time and randomness injected, from broker/clock.ts or client/clock.ts.';
const injectedClock = {
  files: ['protocol/**/*.ts', 'broker/**/*.ts', 'client/**/*.ts', 'cli/**/*.ts'],
  ignores: ['broker/clock.ts', 'client/clock.ts'],
  rules: {
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: CLOCK_MESSAGE },
      { object: 'Math', property: 'random', message: CLOCK_MESSAGE },
      { object: 'performance', property: 'now', message: CLOCK_MESSAGE },
    ],
    // `performance` is only ever read for its clock; banning the global also stops `const p = performance; p.now()`.
    'no-restricted-globals': ['error', { name: 'performance', message: CLOCK_MESSAGE }],
    // `new Date()` and `Date()` without a time read the wall clock as well.
    'no-restricted-syntax': [
      'error',
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK_MESSAGE },
      { selector: "CallExpression[callee.name='Date']", message: CLOCK_MESSAGE },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'client/dist/**', 'node_modules/**', '.tap/**', 'data/**', 'eslint.config.js', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The layers as DESIGN.md draws them: each folder may import only what lies beneath it.
  layer(['protocol/**/*.ts'], 'protocol/ is the wire contract: it imports nothing else of the project', [
    '^\\.\\./',
    '^node:',
  ]),
  layer(['client/**/*.ts'], 'client/ imports only protocol/ of the project', ['^(\\.\\./)+(broker|cli|test|bench)/']),
  layer(['broker/**/*.ts'], 'broker/ never imports client/, cli/, test/ or bench/', [
    '^(\\.\\./)+(client|cli|test|bench)/',
  ]),
  // After broker/**: the last matching config sets a rule's options.
  layer(['broker/raft/**/*.ts'], 'broker/raft/ is the pure Raft core: it imports nothing else of the project', [
    '^\\.\\./',
    '^node:',
  ]),
  layer(['cli/**/*.ts'], 'cli/ is a client: it imports the client as @brook/client, never test/ or bench/', [
    '^(\\.\\./)+(client|test|bench)/',
  ]),
  layer(['bench/**/*.ts'], 'bench/ never imports test code', ['^(\\.\\./)+test/']),
  injectedClock,
  {
    // Tests may assert on values they know are present.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
