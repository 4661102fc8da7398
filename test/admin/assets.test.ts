/**
 * The panel's static files: compressed, cached, AdminJS's production builds, and the components
 * bundled again only when their sources change.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startHarness, type Harness } from './support.js';

describe('panel assets', () => {
  let h: Harness;
  let bundleDir: string;
  beforeAll(async () => {
    h = await startHarness();
    bundleDir = h.config.adminBundleDir;
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${h.base}${url}`, { headers: { 'accept-encoding': 'identity', ...headers } });

  /** The script and style URLs of the login page. */
  async function linked(): Promise<string[]> {
    const html = await (await get('/admin/login')).text();
    return [...html.matchAll(/(?:src|href)="(\/admin\/frontend\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  }

  test('the login page links its scripts by content (?v=), and those answers are immutable and compressed', async () => {
    const urls = await linked();
    const scripts = urls.filter((u) => u.includes('.bundle.js'));
    expect(scripts.map((u) => u.replace(/\?v=[\w-]{16}$/, ''))).toEqual([
      '/admin/frontend/assets/global.bundle.js',
      '/admin/frontend/assets/design-system.bundle.js',
      '/admin/frontend/assets/app.bundle.js',
      '/admin/frontend/assets/components.bundle.js',
    ]);
    let sent = 0;
    let raw = 0;
    for (const url of scripts) {
      expect(url).toMatch(/\?v=[\w-]{16}$/);
      const br = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.status).toBe(200);
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(br.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(br.headers.get('vary')).toBe('Accept-Encoding');
      sent += Number(br.headers.get('content-length'));
      raw += (await br.arrayBuffer()).byteLength; // fetch decodes brotli
    }
    // AdminJS's production builds (3.4 MB; its development builds are 20 MB), compressed to under 1 MB.
    expect(raw).toBeLessThan(4 * 1024 * 1024);
    expect(sent).toBeLessThan(1024 * 1024);
    expect(sent).toBeLessThan(raw / 3);
  });

  test('gzip for browsers without brotli, the plain file for neither, and ETag revalidation for bare URLs', async () => {
    const url = '/admin/frontend/assets/app.bundle.js';
    const plain = await get(url);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const body = Buffer.from(await plain.arrayBuffer());

    const gz = await fetch(`${h.base}${url}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes gzip itself: the bytes are the same file.
    expect(Buffer.from(await gz.arrayBuffer()).equals(body)).toBe(true);

    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{16}"$/);
    const again = await get(url, { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  test('the components are bundled again only when their sources change', async () => {
    const bundle = path.join(bundleDir, 'bundle.js');
    const before = (await fs.stat(bundle)).mtimeMs;
    await h.restartApp();
    expect((await fs.stat(bundle)).mtimeMs).toBe(before);
    expect((await get('/admin/frontend/assets/components.bundle.js')).status).toBe(200);

    // Sources that differ from the bundle's (as after an edit): bundled again at the next start.
    await fs.writeFile(path.join(bundleDir, 'bundle.hash'), 'something else\n');
    await h.restartApp();
    expect((await fs.stat(bundle)).mtimeMs).toBeGreaterThan(before);
  }, 120_000);
});
