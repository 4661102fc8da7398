/** Operators' attachments are fetched size-capped: a too-large file is caught while it streams. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fetchAttachment } from '../../src/support/files.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') return res.writeHead(404).end();
    // Chunked (no Content-Length): only counting the bytes shows the size.
    res.writeHead(200, {
      'content-type': req.url?.endsWith('.png') ? 'image/png' : 'application/octet-stream',
    });
    res.write(Buffer.alloc(600, 1));
    res.end(Buffer.alloc(600, 2));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('fetchAttachment', () => {
  it('returns the bytes, and whether they can go as a photo', async () => {
    const png = await fetchAttachment(`${base}/scan.png`, 'scan.png');
    expect(png).toMatchObject({ photo: true });
    expect(png !== 'too_large' && png.bytes.length).toBe(1200);
    expect(await fetchAttachment(`${base}/act.pdf`, 'act.pdf')).toMatchObject({ photo: false });
  });

  it('stops at the cap without trusting a Content-Length, and throws when the platform fails', async () => {
    expect(await fetchAttachment(`${base}/big.bin`, 'big.bin', 1000)).toBe('too_large');
    await expect(fetchAttachment(`${base}/missing`, 'x')).rejects.toThrow('404');
  });
});
