/**
 * `npm run bench` keeps working: the whole comparison (the emulator and the three bots as processes
 * of their own, real journeys) with a handful of sellers on the embedded database, started from the
 * test run's migrated template so it is over in seconds rather than initdb's minutes on a busy box.
 * The figures themselves are not checked (they are noise at this size); what an operator reads is:
 * a row per bot, the ratios against the targets, and the exit code.
 */
import { spawn } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { report, type BotResult, type Options } from '../../bench/compare.js';

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bot.ts', ...args], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        BENCH_DATABASE_URL: '',
        // Absent when the suite runs against PostgreSQL: the bots then make fresh data folders.
        BENCH_PGLITE_TEMPLATE: process.env.MARKET_BOT_TEST_TEMPLATE ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench', () => {
  test('runs the three bots with a few sellers on the embedded database and prints the table and the ratios', async () => {
    const { code, stdout, stderr } = await runBench([
      '--db',
      'pglite',
      '--sellers',
      '5',
      '--concurrency',
      '5',
      '--latency-sellers',
      '5',
      '--warmup',
      '0',
      '--rounds',
      '1',
    ]);
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    expect({ code, context }).toEqual({ code: 0, context });
    expect(stdout).toMatch(/^embedded \(PGlite/m);
    for (const bot of ['market-bot', 'bare Telegraf', 'minimal stateful']) {
      // updates/s, CPU per update, p50, p95, RSS idle, peak start, peak load: all measured.
      expect(stdout).toMatch(
        new RegExp(`^  ${bot} +\\d+ +[\\d.]+ ms +[\\d.]+ ms +[\\d.]+ ms( +\\d+ MB){3}$`, 'm'),
      );
    }
    expect(stdout).toMatch(
      /^ {2}market-bot ÷ minimal stateful: throughput [\d.]+× \(target ≥ 0\.8: (met|not met)\), p50 [\d.]+× \(target ≤ 1\.5: (met|not met)\); CPU per update [\d.]+×$/m,
    );
    expect(stdout).toMatch(
      /^ {2}market-bot ÷ bare Telegraf: throughput [\d.]+×, p50 [\d.]+×; CPU per update [\d.]+×$/m,
    );
    expect(stdout).not.toMatch(/FAILED/);
  }, 240_000);

  test('an answer that never comes fails the run: exit code 1, and the bot named with what its chat showed', async () => {
    // A 1 ms wait for each answer: no bot answers that fast, so every journey stops at its first step.
    const { code, stdout } = await runBench([
      ...['--db', 'pglite', '--bots', 'bare', '--step-timeout', '1'],
      ...['--sellers', '1', '--latency-sellers', '1', '--warmup', '0', '--rounds', '1'],
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /bare Telegraf FAILED: \d+ problem\(s\); first:\n {4}seller 0: .*timed out after 1 ms/,
    );
  }, 120_000);

  test('an option it does not know is refused with the reason, before anything starts', async () => {
    const { code, stderr } = await runBench(['--db', 'mysql']);
    expect(code).toBe(2);
    expect(stderr).toContain('--db: pg, pglite or both, not "mysql"');
  }, 60_000);
});

describe('the report', () => {
  const opts: Options = {
    sellers: 300,
    concurrency: 100,
    latencySellers: 100,
    latencyConcurrency: 10,
    warmup: 20,
    stepTimeoutMs: 60_000,
  };
  const MB = 1024 * 1024;
  const row = (bot: BotResult['bot'], throughput: number, p50: number, dbCpu?: number): BotResult => ({
    bot,
    throughput,
    cpuMsPerUpdate: 1,
    dbCpuMsPerUpdate: dbCpu,
    p50,
    p95: p50 * 2,
    idleRss: 100 * MB,
    startPeak: 120 * MB,
    loadPeak: 110 * MB,
    failures: [],
  });

  test('says which targets are met, against the minimal stateful bot', () => {
    const out = report('PostgreSQL (bench)', opts, [
      [row('market', 850, 15, 3), row('bare', 1900, 5), row('minimal', 1000, 9, 0.75)],
    ]);
    expect(out).toContain(
      "market-bot ÷ minimal stateful: throughput 0.85× (target ≥ 0.8: met), p50 1.67× (target ≤ 1.5: not met); CPU per update 1.00× (PostgreSQL's 4.00×)",
    );
    // The bare bot has no database: its column says so rather than 0.
    expect(out).toMatch(/^ {2}bare Telegraf +1900 +1\.0 ms +— +5\.0 ms/m);
    expect(out).toContain('market-bot ÷ bare Telegraf: throughput 0.45×, p50 3.00×; CPU per update 1.00×');
  });

  test("over several rounds: the median of each figure, and the median of the rounds' own ratios", () => {
    // Round 2 ran on a slower moment for everyone: its ratio holds while every figure dropped.
    const out = report('PostgreSQL (bench)', opts, [
      [row('market', 800, 16), row('bare', 1900, 5), row('minimal', 1000, 10)],
      [row('bare', 1000, 5), row('minimal', 500, 20), row('market', 450, 30)],
      [row('minimal', 1000, 10), row('market', 700, 15), row('bare', 1900, 5)],
    ]);
    expect(out).toContain('figures: the median of 3 rounds');
    // Medians of the figures: market 700/s, p50 16 ms; minimal 1000/s, p50 10 ms.
    expect(out).toMatch(/^ {2}market-bot +700 +1\.0 ms +16\.0 ms/m);
    expect(out).toMatch(/^ {2}minimal stateful +1000 +1\.0 ms +10\.0 ms/m);
    // Ratios: the median of 0.80, 0.90, 0.70 and of 1.60, 1.50, 1.50 (not 700/1000 = 0.70).
    expect(out).toContain(
      'market-bot ÷ minimal stateful: throughput 0.80× (target ≥ 0.8: met), p50 1.50× (target ≤ 1.5: met)',
    );
    expect(out).toContain('each round: throughput 0.80×, 0.90×, 0.70×; p50 1.60×, 1.50×, 1.50×');
  });

  test('a bot whose journeys failed is named with the first problem, and its missing figures are not measured', () => {
    const failed: BotResult = { bot: 'market', failures: ['seller 7: waitForMessage(...) timed out'] };
    const out = report('embedded', opts, [[failed, row('bare', 1900, 5), row('minimal', 1000, 9)]]);
    expect(out).toContain('market-bot ÷ minimal stateful: throughput not measured');
    expect(out).toContain(
      'market-bot FAILED: 1 problem(s); first:\n    seller 7: waitForMessage(...) timed out',
    );
  });
});
