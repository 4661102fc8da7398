/**
 * The dependency tree as the lockfile pins it: nothing deprecated (formidable 1 through
 * express-formidable), no heavy package twice (esbuild, @tiptap), and nothing the production
 * image runs needs tsx (a development tool: `npm start` and the CLI from source use it).
 */
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
}
const read = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const pkg = read<{
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}>('package.json');
const lock = read<{ packages: Record<string, LockEntry> }>('package-lock.json');

/** Every installed copy of `name` in the lockfile: its versions, and whether each is dev-only. */
function copies(name: string): { path: string; version: string; dev: boolean }[] {
  return Object.entries(lock.packages)
    .filter(([p]) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`))
    .map(([p, e]) => ({ path: p, version: e.version ?? '?', dev: e.dev === true }));
}

describe('dependencies', () => {
  test('no formidable: the panel parses its forms itself; @adminjs/express gets a stand-in for its peer', () => {
    // @adminjs/express (the design's AdminJS-on-express plugin) imports express-formidable when it
    // loads; the local stand-in (vendor/express-formidable) takes its place, so formidable 1 is absent.
    expect(pkg.dependencies['@adminjs/express']).toBe('6.1.1');
    expect(pkg.dependencies['express-formidable']).toBe('file:vendor/express-formidable');
    expect(lock.packages['node_modules/express-formidable']).toEqual({
      resolved: 'vendor/express-formidable',
      link: true,
    });
    expect(copies('formidable')).toEqual([]);
  });

  test('one esbuild and one @tiptap version', () => {
    expect(new Set(copies('esbuild').map((c) => c.version)).size).toBe(1);
    for (const name of ['@tiptap/core', '@tiptap/pm', '@tiptap/extension-text', '@tiptap/extension-heading'])
      expect([name, new Set(copies(name).map((c) => c.version)).size]).toEqual([name, 1]);
    expect(Object.keys(lock.packages).filter((p) => /node_modules\/@tiptap\/.*node_modules/.test(p))).toEqual(
      [],
    );
  });

  test('tsx is for development only: the production start, image and entrypoint run compiled code', () => {
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(copies('tsx').every((c) => c.dev)).toBe(true);
    // (The flag is the app's young generation: test/bench/node-flags.test.ts.)
    expect(pkg.scripts['start:prod']).toBe('exec node --max-semi-space-size=32 dist/src/main.js');
    for (const file of ['Dockerfile', 'scripts/docker-entrypoint.sh'])
      expect([file, /\btsx\b/.test(fs.readFileSync(file, 'utf8'))]).toEqual([file, false]);
  });

  test("npm start and start:prod run node itself in place of npm's shell: nothing between npm and the app", () => {
    expect(pkg.scripts.start).toBe('exec node --max-semi-space-size=32 --import tsx src/main.ts');
  });
});
