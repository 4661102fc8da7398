import { createHmac, hkdfSync } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type express from 'express';
import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';
import { safeEqual } from '../services/secrets.js';
import { DEVELOPMENT_SECRET_KEY } from '../services/sealer.js';

/** How long a file link works. */
export const FILE_LINK_TTL_SECONDS = 24 * 60 * 60;

/**
 * Signed, expiring links to a seller's file (GET /support/files/<signed id>), for channels on other
 * platforms. The id carries Telegram's file_id, its name and the expiry, signed with a key derived
 * from SECRET_KEY. The server streams the file from Telegram: Telegram's file URL (it contains the
 * bot token) never leaves the process.
 */
export class FileLinks {
  private readonly key: Buffer;

  constructor(
    secret: string | undefined,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', secret ?? DEVELOPMENT_SECRET_KEY, 'market-bot', 'support files', 32),
    );
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  url(fileId: string, name: string, ttlSeconds = FILE_LINK_TTL_SECONDS): string {
    const body = Buffer.from(
      JSON.stringify({ f: fileId, n: name, e: Math.floor(this.now() / 1000) + ttlSeconds }),
    ).toString('base64url');
    return `${this.publicUrl}/support/files/${body}.${this.sign(body)}`;
  }

  /** The file behind a signed id, or null when it is forged or expired. */
  verify(signed: string): { fileId: string; name: string } | null {
    const [body, signature, ...rest] = signed.split('.');
    if (!body || !signature || rest.length || !safeEqual(signature, this.sign(body))) return null;
    try {
      const { f, n, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
        f: string;
        n: string;
        e: number;
      };
      if (typeof f !== 'string' || typeof e !== 'number' || e * 1000 < this.now()) return null;
      return { fileId: f, name: typeof n === 'string' ? n : 'file' };
    } catch {
      return null;
    }
  }

  /** The express handler of GET /support/files/:signed. */
  handler(telegram: () => Telegram | undefined, logger: Logger): express.RequestHandler {
    return (req, res) => {
      const file = this.verify(String(req.params.signed ?? ''));
      const tg = telegram();
      if (!file || !tg) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      void (async () => {
        try {
          const link = await tg.getFileLink(file.fileId);
          const upstream = await fetch(link);
          if (!upstream.ok || !upstream.body) {
            logger.warn({ status: upstream.status }, 'support file: telegram refused the download');
            res.status(502).json({ error: 'file unavailable' });
            return;
          }
          const type = upstream.headers.get('content-type');
          const length = upstream.headers.get('content-length');
          if (type) res.setHeader('Content-Type', type);
          if (length) res.setHeader('Content-Length', length);
          res.setHeader(
            'Content-Disposition',
            `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
          );
          res.setHeader('Cache-Control', 'private, no-store');
          Readable.fromWeb(upstream.body as unknown as WebReadableStream<Uint8Array>).pipe(res);
        } catch (err) {
          logger.warn(
            { err: (err as Error).message.replace(/bot\d+:[\w-]+/g, 'bot<token>') },
            'support file failed',
          );
          if (!res.headersSent) res.status(502).json({ error: 'file unavailable' });
        }
      })();
    };
  }
}

/** The largest attachment of a platform's message the desk fetches and sends on (Telegram's upload limit). */
export const ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024;
/** Telegram's limit for a photo; a larger image goes as a document. */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Fetches an operator's attachment from the platform, at most `maxBytes` (read as it streams, not
 * trusted from Content-Length alone). Too large: 'too_large'. A platform that fails throws (the
 * outbox tries again later).
 */
export async function fetchAttachment(
  url: string,
  name: string,
  maxBytes = ATTACHMENT_MAX_BYTES,
): Promise<{ bytes: Buffer; photo: boolean } | 'too_large'> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok || !res.body) throw new Error(`attachment download answered ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    return 'too_large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) return 'too_large';
    chunks.push(Buffer.from(chunk));
  }
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const type = (res.headers.get('content-type') ?? '').toLowerCase();
  const image = ext ? ['jpg', 'jpeg', 'png', 'webp'].includes(ext) : /^image\/(jpeg|png|webp)/.test(type);
  return { bytes: Buffer.concat(chunks), photo: image && size <= PHOTO_MAX_BYTES };
}
