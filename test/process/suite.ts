/**
 * A whole-process test file's set-up (jest only: the benchmarks import support.ts, not this): a
 * store made before its tests, every app its runs started killed and the store closed after them.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { createStore, withOutput, type AppProcess, type Store } from './support.js';

export function storeWithApps(): {
  /** The store (made in beforeAll). */
  store: () => Store;
  /** Give to a run as its `onApp`: the app is killed after the tests, and its output shown on failure. */
  onApp: (app: AppProcess, label: string) => void;
  /** Runs a test; when it fails, the apps' output is added to the error. */
  withOutput: <T>(fn: () => Promise<T>) => Promise<T>;
} {
  let store: Store | undefined;
  const apps: [string, AppProcess | undefined][] = [];
  beforeAll(async () => {
    store = await createStore();
  }, 60_000);
  afterAll(async () => {
    for (const [, app] of apps) await app?.kill();
    await store?.close();
  }, 60_000);
  return {
    store: () => store!,
    onApp: (app, label) => void apps.push([label, app]),
    withOutput: (fn) => withOutput(() => apps, fn),
  };
}
