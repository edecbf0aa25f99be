import path from 'node:path';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import rxjsX from 'eslint-plugin-rxjs-x';

// ---------------------------------------------------------------------------------------------
// Layers (docs/architecture.md): which top-level module of src/ may import which. A module is a
// folder of src/ (`protocol/`, ...) or a root file (`errors.ts`, ...). A module missing from
// IMPORTS is not checked as an importer: `testing/`, `client.ts` and `index.ts` may import
// everything. Imports within one module are always allowed.
// ---------------------------------------------------------------------------------------------
const SRC = path.join(import.meta.dirname, 'src');
const ROOT = ['errors.ts', 'clock.ts', 'secret.ts', 'topic-partition.ts'];
const BELOW_PRODUCER = ['cluster/', 'network/', 'protocol/', 'operators/', ...ROOT];
const IMPORTS = {
  'errors.ts': ROOT,
  'clock.ts': ROOT,
  'secret.ts': ROOT,
  'topic-partition.ts': ROOT,
  // the codecs read no clock: a time they need (a batch's `now`) is an input
  'protocol/': ['errors.ts', 'secret.ts'],
  'network/': ['protocol/', ...ROOT],
  'operators/': ['errors.ts', 'clock.ts'],
  'cluster/': ['network/', 'protocol/', 'operators/', ...ROOT],
  'producer/': BELOW_PRODUCER,
  'consumer/': BELOW_PRODUCER,
  'admin/': BELOW_PRODUCER,
};

/** The src/ module (`protocol/`, `errors.ts`) an absolute path belongs to, or undefined outside src/. */
function moduleOf(file) {
  const rel = path.relative(SRC, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [first, ...rest] = rel.split(/[\\/]/);
  if (rest.length > 0) return `${first}/`;
  const ext = path.extname(first);
  return ext === '' ? `${first}/` : `${first.slice(0, -ext.length)}.ts`;
}

/** The absolute path an import specifier points at, or undefined for a package import. */
function resolveSpecifier(specifier, fromFile) {
  if (specifier.startsWith('./') || specifier.startsWith('../')) return path.resolve(path.dirname(fromFile), specifier);
  // tsconfig "paths": rxkafka -> src/index.ts, rxkafka/<x> -> src/<x>/index.ts
  if (specifier === 'rxkafka') return path.join(SRC, 'index.ts');
  if (specifier.startsWith('rxkafka/')) return path.join(SRC, specifier.slice('rxkafka/'.length), 'index.ts');
  return undefined;
}

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'src/ modules import only from the layers below them (docs/architecture.md)' },
    schema: [],
    messages: {
      upward:
        '{{from}} must not import from {{to}} (layers import only downwards; {{from}} may import {{allowed}}; see docs/architecture.md)',
    },
  },
  create(context) {
    const from = moduleOf(context.filename);
    const allowed = from === undefined ? undefined : IMPORTS[from];
    if (allowed === undefined) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const target = resolveSpecifier(specifier, context.filename);
      const to = target === undefined ? undefined : moduleOf(target);
      if (to === undefined || to === from || allowed.includes(to)) return;
      context.report({
        node,
        messageId: 'upward',
        data: { from, to, allowed: allowed.join(', ') },
      });
    };
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        check(node.moduleReference, node.moduleReference.expression.value),
      TSImportType: (node) =>
        node.argument.type === 'TSLiteralType' && check(node.argument, node.argument.literal.value),
    };
  },
};

// Rule 1 of docs/architecture.md: time is injected; only src/clock.ts reads the clock.
const TIME =
  'Take a SchedulerLike and ask it (scheduler.now(), scheduler.schedule, timer(…, scheduler)); only src/clock.ts reads the clock (docs/architecture.md, rule 1).';
const TIMERS_MODULES = ['timers', 'node:timers', 'timers/promises', 'node:timers/promises'];

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'src/protocol/messages/generated/**', '.interop/**', 'coverage/**'] },
  tseslint.configs.recommendedTypeChecked,
  { files: ['**/*.ts'], extends: [rxjsX.configs.recommended] },
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**'],
    plugins: { rxkafka: { rules: { layers: layersRule } } },
    rules: { 'rxkafka/layers': 'error' },
  },
  {
    files: ['src/**'],
    ignores: ['src/clock.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: TIME }, { name: 'setInterval', message: TIME }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: TIME },
        { object: 'performance', property: 'now', message: TIME },
        { object: 'globalThis', property: 'setTimeout', message: TIME },
        { object: 'globalThis', property: 'setInterval', message: TIME },
      ],
      'no-restricted-imports': ['error', { paths: TIMERS_MODULES.map((name) => ({ name, message: TIME })) }],
    },
  },
  {
    files: ['spec/**', 'marble-tests/**', 'bench/**', 'examples/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
