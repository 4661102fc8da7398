/** The HTTP side: `/bot<token>/<method>` requests in, Bot API JSON answers out. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, DESCRIPTIONS, bad } from './errors.js';
import { MAX_DOWNLOAD_BYTES, fileBytes } from './media.js';
import { dispatch } from './methods/index.js';
import { isObject, type Params } from './params.js';
import type { EmulatorState } from './state.js';

/** Listens on a free loopback port; resolves with the server and its port. */
export async function listen(s: EmulatorState): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    onRequest(s, req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ok: false,
            error_code: 500,
            description: `Internal Server Error: ${String(e)}`,
          }),
        );
      }
    });
  });
  // Node closes an idle keep-alive connection after 5 s, and a client that reuses it at that moment
  // gets "socket hang up" for a request that was never read (seen under load as a lost redraw).
  // Telegram's servers keep connections far longer.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function onRequest(s: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const match = /^\/bot([^/]+)\/([A-Za-z0-9_]*)$/.exec(url.pathname);
  const reply = (status: number, body: unknown): void => {
    if (res.destroyed || res.writableEnded) return;
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  };
  const raw = await readBody(req);
  const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  if (file && (req.method === 'GET' || req.method === 'HEAD')) return serveFile(s, file, res);
  if (!match) return reply(404, { ok: false, error_code: 404, description: DESCRIPTIONS.notFound });
  if (decodeURIComponent(match[1]) !== s.token) {
    return reply(401, { ok: false, error_code: 401, description: DESCRIPTIONS.unauthorized });
  }
  let params: Params;
  try {
    params = await parseParams(raw, req.headers['content-type'], url.searchParams);
  } catch (e) {
    const error = e instanceof ApiError ? e : bad(String(e));
    return reply(error.error_code, {
      ok: false,
      error_code: error.error_code,
      description: error.description,
    });
  }
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  const outcome = await dispatch(s, match[2], params, ac.signal, false);
  if (outcome.ok) {
    reply(200, {
      ok: true,
      result: outcome.result,
      ...(outcome.description ? { description: outcome.description } : {}),
    });
  } else {
    const e = outcome.error;
    reply(e.error_code, {
      ok: false,
      error_code: e.error_code,
      description: e.description,
      ...(e.retry_after !== undefined ? { parameters: { retry_after: e.retry_after } } : {}),
    });
  }
}

/** GET /file/bot<token>/<file_path>: the file's bytes, as api.telegram.org serves a download. */
function serveFile(s: EmulatorState, match: RegExpExecArray, res: ServerResponse): void {
  const record =
    decodeURIComponent(match[1]) === s.token ? s.filePaths.get(decodeURIComponent(match[2])) : undefined;
  if (!record || record.size > MAX_DOWNLOAD_BYTES) {
    const json = JSON.stringify({ ok: false, error_code: 404, description: DESCRIPTIONS.notFound });
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
    return;
  }
  const body = fileBytes(record);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A multipart/form-data upload (a bot sending a file it fetched itself): text fields as values, each
 * uploaded file as `upload://<bytes>/<name>`, which the media code turns into a new file of that size.
 */
async function parseMultipart(body: Buffer, contentType: string, params: Params): Promise<Params> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw bad("can't parse multipart/form-data");
  }
  const out: Params = { ...params };
  for (const [k, v] of form) {
    out[k] = typeof v === 'string' ? v : `upload://${v.size}/${encodeURIComponent(v.name || 'file')}`;
  }
  return out;
}

async function parseParams(
  body: Buffer,
  contentType: string | undefined,
  query: URLSearchParams,
): Promise<Params> {
  const params: Params = Object.fromEntries(query);
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') return parseMultipart(body, contentType ?? '', params);
  const raw = body.toString('utf8');
  if (raw.trim() === '') return params;
  if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw bad("can't parse JSON object");
    }
    if (!isObject(body)) throw bad("can't parse JSON object");
    return { ...params, ...body };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
  }
  throw bad(`unsupported Content-Type "${type}"`);
}
