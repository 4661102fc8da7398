import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';

/**
 * The panel's static files (AdminJS's JavaScript, styles and icon fonts, and our components' bundle),
 * served from memory, compressed (brotli or gzip, as the browser accepts) and with cache headers:
 * a URL carrying the file's content tag (`?v=<tag>`, which the pages' own script tags get) is
 * immutable for a year; a bare URL is revalidated by ETag (304).
 *
 * AdminJS's own bundles are always its production builds: its development builds are 20 MB of
 * JavaScript and add nothing to working on this project's components.
 *
 * `npm run build` writes brotli/gzip copies at the best compression into dist/panel/assets, named
 * by content tag (scripts/build-panel.ts); a file without one is compressed here on first request,
 * at a faster level.
 */

export interface Asset {
  /** The path under the panel's router, e.g. /frontend/assets/app.bundle.js. */
  path: string;
  /** The file on disk. */
  src: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};
/** Already compressed formats are sent as they are. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.ttf', '.eot']);

export type Encoding = 'br' | 'gzip';
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

export const contentTag = (raw: Buffer): string =>
  createHash('sha256').update(raw).digest('base64url').slice(0, 16);

/** The name of a precompressed copy: by the file's name and content, so a stale copy is never used. */
export const precompressedName = (file: string, tag: string, encoding: Encoding): string =>
  `${path.basename(file)}.${tag}.${encoding === 'br' ? 'br' : 'gz'}`;

export function compress(raw: Buffer, encoding: Encoding, best: boolean): Promise<Buffer> {
  if (encoding === 'br') {
    return brotli(raw, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
  }
  return gzip(raw, { level: best ? 9 : 6 });
}

/**
 * AdminJS's asset list with its production builds in place of the development ones, plus the
 * components' bundle (a route of AdminJS's in development: here always a file).
 */
export function panelAssetList(adminAssets: Asset[], componentsBundle: string): Asset[] {
  const list = adminAssets.map((a) => {
    const production = a.src.replace(/\.development\.js$/, '.production.js');
    return production !== a.src && fs.existsSync(production) ? { ...a, src: production } : a;
  });
  const bundlePath = '/frontend/assets/components.bundle.js';
  return [...list.filter((a) => a.path !== bundlePath), { path: bundlePath, src: componentsBundle }];
}

interface Loaded {
  raw: Buffer;
  tag: string;
  type: string;
  compressible: boolean;
  encoded: Map<Encoding, Promise<Buffer>>;
}

export interface PanelAssets {
  handler: RequestHandler;
  /** Adds `?v=<tag>` to the asset URLs in a page the panel sends (for the files already read). */
  versionUrls: RequestHandler;
}

export function panelAssets(
  assets: Asset[],
  opts: { rootPath: string; logger: Logger; precompressedDir?: string },
): PanelAssets {
  const byPath = new Map(assets.map((a) => [a.path, a]));
  const loaded = new Map<string, Promise<Loaded>>();
  const tags = new Map<string, string>();

  const load = (asset: Asset): Promise<Loaded> => {
    let entry = loaded.get(asset.path);
    if (!entry) {
      entry = fs.promises.readFile(asset.src).then((raw) => {
        const ext = path.extname(asset.src);
        const tag = contentTag(raw);
        tags.set(asset.path, tag);
        return {
          raw,
          tag,
          type: TYPES[ext] ?? 'application/octet-stream',
          compressible: COMPRESSIBLE.has(ext),
          encoded: new Map(),
        };
      });
      entry.catch(() => loaded.delete(asset.path));
      loaded.set(asset.path, entry);
    }
    return entry;
  };

  const encoded = (asset: Asset, file: Loaded, encoding: Encoding): Promise<Buffer> => {
    let body = file.encoded.get(encoding);
    if (!body) {
      const copy = opts.precompressedDir
        ? path.join(opts.precompressedDir, precompressedName(asset.src, file.tag, encoding))
        : undefined;
      body = (copy ? fs.promises.readFile(copy) : Promise.reject(new Error('no precompressed copy'))).catch(
        () => compress(file.raw, encoding, false),
      );
      body.catch(() => file.encoded.delete(encoding));
      file.encoded.set(encoding, body);
    }
    return body;
  };

  // Read (not compress) the files now, in the background; pages wait for that (once) to link them by tag.
  const read = Promise.allSettled(
    assets.map((asset) =>
      load(asset).catch((err: unknown) =>
        opts.logger.warn({ err: (err as Error).message, asset: asset.path }, 'panel asset unreadable'),
      ),
    ),
  );

  const send = async (req: Request, res: Response, asset: Asset): Promise<void> => {
    const file = await load(asset);
    const etag = `"${file.tag}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader(
      'Cache-Control',
      req.query.v === file.tag ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    // Brotli when accepted at all (browsers list gzip first, with equal weight), else gzip.
    const encoding = !file.compressible
      ? undefined
      : req.acceptsEncodings('br') === 'br'
        ? 'br'
        : req.acceptsEncodings('gzip') === 'gzip'
          ? 'gzip'
          : undefined;
    const body = encoding ? await encoded(asset, file, encoding) : file.raw;
    res.setHeader('Content-Type', file.type);
    res.setHeader('Content-Length', String(body.length));
    if (encoding) res.setHeader('Content-Encoding', encoding);
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };

  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = byPath.get(req.path);
    if (!asset) return next();
    send(req, res, asset).catch(next);
  };

  const prefix = opts.rootPath;
  const versionUrls: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET') return next();
    const original = res.send.bind(res);
    res.send = (body?: unknown) => {
      if (typeof body === 'string' && body.includes('/frontend/assets/')) {
        for (const [assetPath, tag] of tags) {
          body = (body as string).split(`"${prefix}${assetPath}"`).join(`"${prefix}${assetPath}?v=${tag}"`);
        }
      }
      return original(body);
    };
    read.then(() => next(), next);
  };

  return { handler, versionUrls };
}
