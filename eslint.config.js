import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering, checked: only the database layer, the services and the panel's resource definitions
 * (which hand entities to AdminJS's TypeORM adapter) reach the ORM. Everything else goes through the
 * services; entity types may still be imported as types.
 */
const layering = {
  patterns: [
    {
      group: ['typeorm', 'typeorm/*', '@adminjs/typeorm'],
      message: 'Only src/db, src/services and src/admin/resources use TypeORM: call a service instead.',
    },
    {
      group: ['**/db/entities', '**/db/entities/*', '**/db/entities/*.js'],
      allowTypeImports: true,
      message:
        'Entities are values only in src/db, src/services and src/admin/resources: import the type, or call a service.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'vendor/',
      'data/',
      'coverage/',
      'adminjs-bundle/',
      '.adminjs/',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/**', 'src/services/**', 'src/admin/resources/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', layering],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'MemberExpression[property.name=/^(getRepository|createQueryBuilder|query)$/][object.name=/^(dataSource|manager|db)$/]',
          message: 'SQL lives in src/db and src/services: call a service instead.',
        },
        {
          selector:
            'MemberExpression[property.name=/^(getRepository|createQueryBuilder|query)$/][object.property.name=/^(dataSource|manager)$/]',
          message: 'SQL lives in src/db and src/services: call a service instead.',
        },
      ],
    },
  },
  {
    // The emulator ships for the sandbox only: the app's own code never reaches it, so the
    // production entry (start:prod) loads none of it (test/demo/production-graph.test.ts).
    files: ['src/**/*.ts'],
    ignores: ['src/demo/**', 'src/emulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/emulator', '**/emulator/*', '**/emulator/**', '**/demo', '**/demo/**'],
              message: 'Only the sandbox (src/demo) uses the Bot API emulator and the demo code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'src/cli/**', 'src/emulator/**'],
    rules: { 'no-console': 'off' },
  },
);
