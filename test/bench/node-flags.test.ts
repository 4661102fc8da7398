/**
 * market-bot runs with node flags of its own (a larger young generation: the benchmark's CPU per
 * update fell by about a tenth with it; README, "Performance"). Every way the app is started in
 * production carries the same flags, and the benchmark runs market-bot with them.
 */
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { productionNodeFlags } from '../../bench/compare.js';

const scripts = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;

describe('the node flags market-bot runs with', () => {
  test('start:prod sets the young generation, and the benchmark takes its flags from there', () => {
    expect(productionNodeFlags()).toEqual(['--max-semi-space-size=32']);
  });

  test('npm start and the Docker entrypoint start the app with the same flags', () => {
    const flags = productionNodeFlags().join(' ');
    expect(scripts.start).toContain(`node ${flags} --import tsx src/main.ts`);
    expect(scripts['start:prod']).toBe(`exec node ${flags} dist/src/main.js`);
    expect(fs.readFileSync('scripts/docker-entrypoint.sh', 'utf8')).toContain(
      `exec node ${flags} dist/src/main.js`,
    );
  });
});
