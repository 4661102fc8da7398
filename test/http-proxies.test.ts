import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { loadConfig } from '../src/config.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';

/**
 * The client address the app reads (the panel's per-IP login limit keys on it): X-Forwarded-For
 * counts only when it comes from a proxy TRUSTED_PROXIES names.
 */
describe('the client address behind proxies', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** The real HTTP app; its /admin router only reports the address express worked out. */
  async function clientIp(env: Record<string, string>, forwardedFor?: string): Promise<string> {
    const config = loadConfig({
      SESSION_SECRET: 'x'.repeat(32),
      AUDIT_KEY: 'a'.repeat(32),
      SECRET_KEY: 'k'.repeat(32),
      ...env,
    });
    const probe = express.Router().get('/ip', (req, res) => res.type('text').send(req.ip));
    const admin = { rootPath: '/admin', router: probe, close: async () => undefined };
    server = await startHttpServer(
      createHttpApp({ config, logger: createLogger('silent'), admin }),
      0,
      '127.0.0.1',
    );
    const res = await fetch(`http://127.0.0.1:${server.port}/admin/ip`, {
      headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {},
    });
    const ip = await res.text();
    await server.close();
    server = undefined;
    return ip;
  }

  it('ignores X-Forwarded-For from anyone in production unless told to trust a proxy', async () => {
    const ip = await clientIp({ NODE_ENV: 'production' }, '203.0.113.7');
    expect(ip).toMatch(/127\.0\.0\.1$/);
  });

  it('believes one hop from a trusted proxy, by address or by hop count', async () => {
    expect(await clientIp({ NODE_ENV: 'production', TRUSTED_PROXIES: '127.0.0.1' }, '203.0.113.7')).toBe(
      '203.0.113.7',
    );
    expect(
      await clientIp({ NODE_ENV: 'production', TRUSTED_PROXIES: '1' }, '198.51.100.1, 203.0.113.7'),
    ).toBe('203.0.113.7');
  });

  it('does not believe a proxy outside the list', async () => {
    const ip = await clientIp({ NODE_ENV: 'production', TRUSTED_PROXIES: '10.0.0.0/8' }, '203.0.113.7');
    expect(ip).toMatch(/127\.0\.0\.1$/);
  });
});
