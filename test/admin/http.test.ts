import { afterEach, describe, expect, test } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config.js';
import { pingDatabase } from '../../src/db/health.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';

const config = loadConfig({ NODE_ENV: 'test' });
const logger = createLogger('silent');
let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(deps: Partial<Parameters<typeof createHttpApp>[0]>): Promise<string> {
  server = await startHttpServer(createHttpApp({ config, logger, ...deps }), 0, '127.0.0.1');
  return `http://127.0.0.1:${server.port}`;
}

/** The app's ping over a stand-in database whose query() is `query`. */
const pingOver = (query: () => Promise<unknown>) => () => pingDatabase({ query } as unknown as DataSource);

describe('the HTTP app', () => {
  test('/healthz is 200 when the database answers SELECT 1', async () => {
    let asked = '';
    const base = await start({
      ping: pingOver(async function (this: unknown, ...args: unknown[]) {
        asked = String(args[0]);
        return [{ '?column?': 1 }];
      } as () => Promise<unknown>),
    });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(asked).toBe('SELECT 1');
  });

  test('/healthz is 503 when the database fails or does not answer in time', async () => {
    let base = await start({ ping: pingOver(() => Promise.reject(new Error('connection refused'))) });
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', database: 'down' });
    await server!.close();
    base = await start({ ping: pingOver(() => new Promise(() => undefined)) });
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
  });

  test('the webhook gets the unread body at its path only (it checks the secret before reading)', async () => {
    const seen: unknown[] = [];
    const base = await start({
      webhook: {
        path: '/telegram/webhook/secret-path',
        handler: (req, res) => {
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (d: string) => (body += d));
          req.on('end', () => {
            seen.push(JSON.parse(body));
            res.sendStatus(200);
          });
        },
      },
    });
    const res = await fetch(`${base}/telegram/webhook/secret-path`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 1 }),
    });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ update_id: 1 }]);
    expect((await fetch(`${base}/telegram/webhook/other`, { method: 'POST' })).status).toBe(404);
  });
});
