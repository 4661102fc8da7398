/**
 * `npm run bench`: the bot benchmark's entry. Without a mode flag it runs the side-by-side
 * comparison (bench/compare.ts: market-bot, a bare Telegraf bot and a minimal stateful bot under
 * the same load, on PostgreSQL and/or the embedded database, with the ratios against the targets).
 *
 *   npm run bench -- [--db pg|pglite|both] [--sellers 300] [--concurrency 100] …   (compare.ts)
 *   npm run bench -- --crash [--rounds 3] [--sellers 50]                            (crash.ts)
 *   npm run bench -- --scale [--sellers 500] [--rate 200] [--seconds 60]           (scale.ts)
 *
 * A mode is a module with `main(argv): Promise<exit code>`, given the arguments without its flag;
 * a new mode is one line in MODES.
 */
const MODES: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  '--crash': () => import('./crash.js'),
  '--scale': () => import('./scale.js'),
};

const argv = process.argv.slice(2);
const flag = Object.keys(MODES).find((f) => argv.includes(f));
const mode = flag ? await MODES[flag]() : await import('./compare.js');
process.exit(await mode.main(argv.filter((a) => a !== flag)));
