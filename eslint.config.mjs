import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules', 'dist', 'out', 'resources', '**/*.d.ts', 'src/shims/**', 'media/vendor/**'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The JavaScript runners (scripts/, test/host/, esbuild.js, this file): the rules that need no types, as tsc
  // checks their types (tsconfig.scripts.json: checkJs, from JSDoc) and their names (hence no `no-undef`).
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off' },
  },
  // esbuild.js is CommonJS
  { files: ['esbuild.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // The layers (ARCHITECTURE.md): the core and the sandbox never import `vscode` nor the VS Code shell…
  {
    files: ['src/core/**/*.ts', 'src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The core never imports vscode: keep it in the VS Code shell.' }],
          patterns: [
            {
              regex: String.raw`^\.\./(\.\./)*(extension|services|config|connection|attention|auth|commands|treeViews|webviews|store)(/|$)`,
              message: 'The core never imports the VS Code shell.',
            },
          ],
        },
      ],
    },
  },
  // …and the webview app runs in the browser: nothing from Node, the shell or the core's I/O.
  {
    files: ['src/webviews/report/app/**/*.ts', 'src/webviews/wave/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview app runs in the browser: talk to the panel by messages.' }],
          patterns: [
            {
              regex: '^(node:|fs$|path$|os$|http$|https$|child_process$|crypto$|stream$|zlib$|url$)',
              message: 'The webview app runs in the browser: no Node modules.',
            },
            {
              regex: String.raw`^\.\./\.\./\.\./`,
              message: 'The webview app imports only its own modules and ../protocol.',
            },
          ],
        },
      ],
    },
  },
);
