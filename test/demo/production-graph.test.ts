/**
 * `npm run start:prod` runs dist/src/main.js, which tsc builds file for file from src/main.ts: the
 * modules it can load are src/main.ts's import graph, dynamic imports included. None of them is the
 * Bot API emulator or the sandbox (ESLint refuses such an import anywhere in src/ but src/demo;
 * this checks the graph as a whole).
 */
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { build } from 'esbuild';

const root = path.resolve('.');

async function moduleGraph(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe("the production entry's module graph", () => {
  test('has the app and none of the emulator or the sandbox', async () => {
    const inputs = await moduleGraph('src/main.ts');
    // The dynamic import of start.ts is followed: the graph is the whole app.
    expect(inputs).toEqual(expect.arrayContaining(['src/main.ts', 'src/start.ts', 'src/bot/index.ts']));
    expect(inputs.filter((f) => f.startsWith('src/emulator/') || f.startsWith('src/demo/'))).toEqual([]);
  });

  test("while the sandbox's graph does load the emulator (the check above can see it)", async () => {
    const inputs = await moduleGraph('src/demo/main.ts');
    expect(inputs).toEqual(expect.arrayContaining(['src/emulator/emulator.ts', 'src/start.ts']));
  });
});
