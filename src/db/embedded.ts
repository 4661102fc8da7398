import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createGunzip } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings for the embedded database, after PGlite's own start parameters (measured in
 * the README's "Embedded database" section). PGlite is one backend in one WASM memory that only
 * grows: what shared memory asks for is RSS for the life of the process.
 */
export const EMBEDDED_START_PARAMS: string[] = ['-c', 'shared_buffers=16MB'];

/** What the worker (embedded-worker.ts) is started with. */
export interface WorkerInput {
  dataDir?: string;
  /** A data dir tarball (PGlite's dumpDataDir) to start from instead of an empty database. */
  loadDataDir?: ArrayBuffer;
  /** Only run initdb and answer the new cluster as a tarball ({ type: 'cluster' }). */
  initdbOnly?: boolean;
}

export type WorkerReply =
  | { type: 'ready'; port: number }
  | { type: 'closed' }
  | { type: 'cluster'; tar: ArrayBuffer }
  | { type: 'dump'; id: number; tar?: ArrayBuffer; error?: string };

export interface EmbeddedServer {
  /** The loopback port the wire protocol is served on. */
  port: number;
  dump(): Promise<Blob>;
  /** Stops the server and closes PGlite (its files complete on disk), then ends the thread. */
  close(): Promise<void>;
}

/**
 * The worker's entry: the compiled file beside this one (dist), else the TypeScript source, loaded
 * through tsx (development and tests: a worker does not inherit the parent's loader).
 */
function workerEntry(): { code: string | URL; eval: boolean } {
  const js = new URL('./embedded-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { code: js, eval: false };
  const ts = new URL('./embedded-worker.ts', import.meta.url).href;
  // tsx's ESM entry (its CommonJS one can't register the loader from a module).
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
  return {
    code: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(ts)}); })`,
    eval: true,
  };
}

/**
 * Starts PGlite and its wire-protocol server in a worker thread (embedded-worker.ts): statements run
 * there, off the caller's event loop. If the thread dies after it started (a WASM trap, out of
 * memory), the process ends with the error: the app can't go on without its database, and every
 * commit that returned is on disk for the restart (test/db/pglite-kill.test.ts).
 */
function startWorker(input: WorkerInput): Worker {
  const entry = workerEntry();
  return new Worker(entry.code, {
    eval: entry.eval,
    workerData: input,
    transferList: input.loadDataDir ? [input.loadDataDir] : [],
  });
}

/** Made by `npm run build` (scripts/build-pglite-cluster.ts): a fresh data folder's starting point. */
export const BUILT_CLUSTER = fileURLToPath(new URL('../../pglite/cluster.tar.gz', import.meta.url));

/**
 * What initdb makes, as a tarball for PGlite's loadDataDir (which is how PGlite itself fills a new
 * data folder after its initdb): the one the build made when there is one, so a first start runs no
 * initdb at all; else initdb in a worker that ends before the database starts, so its memory is
 * given back instead of adding to the database's.
 */
async function emptyCluster(file = BUILT_CLUSTER): Promise<ArrayBuffer> {
  if (existsSync(file)) {
    const data = await fs.readFile(file);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  return initdbCluster();
}

/** Runs initdb in a worker of its own and answers the new cluster as a gzipped tarball. */
export async function initdbCluster(): Promise<ArrayBuffer> {
  const worker = startWorker({ initdbOnly: true });
  try {
    return await new Promise<ArrayBuffer>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`initdb's thread exited (${code})`)));
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'cluster') resolve(reply.tar);
      });
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * Writes a cluster tarball (PGlite's dumpDataDir: ustar, names below 100 bytes, gzipped or not) out
 * as files, streaming (the unpacked cluster is 40 MB, held whole it stays in the process's RSS),
 * into a folder beside `dataDir` that then takes its place in one rename: a kill in the middle
 * leaves no half database behind (the next start clears the folder and begins again). A new data
 * folder so costs the database nothing: it starts on files, as on every later start.
 */
export async function extractCluster(file: string, dataDir: string): Promise<void> {
  const staging = `${dataDir}.new`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { mode: 0o700 });
  const head = Buffer.alloc(2);
  await fs.open(file).then(async (h) => {
    await h.read(head, 0, 2, 0);
    await h.close();
  });
  const source = createReadStream(file);
  const stream = head[0] === 0x1f && head[1] === 0x8b ? source.pipe(createGunzip()) : source;
  let pending: Buffer = Buffer.alloc(0);
  let body: { handle: fs.FileHandle; left: number; padding: number } | undefined;
  let skip = 0;
  let ended = false;
  const text = (block: Buffer, at: number, length: number) =>
    block
      .subarray(at, at + length)
      .toString('latin1')
      .replace(/\0.*$/s, '')
      .trim();
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (body) {
        const take = Math.min(body.left, pending.length);
        if (take) await body.handle.write(pending.subarray(0, take));
        pending = pending.subarray(take);
        body.left -= take;
        if (body.left) break;
        await body.handle.close();
        skip = body.padding;
        body = undefined;
      }
      if (skip) {
        const take = Math.min(skip, pending.length);
        pending = pending.subarray(take);
        skip -= take;
        if (skip) break;
      }
      if (ended || pending.length < 512) break;
      const header = pending.subarray(0, 512);
      pending = pending.subarray(512);
      const name = text(header, 0, 100);
      if (!name) {
        ended = true; // the empty blocks that end a tar
        break;
      }
      const size = parseInt(text(header, 124, 12) || '0', 8);
      const mode = parseInt(text(header, 100, 8) || '600', 8) & 0o777;
      const type = text(header, 156, 1);
      const target = path.join(staging, path.normalize(`/${name}`));
      if (type === '5') await fs.mkdir(target, { recursive: true, mode });
      else if (type === '0' || type === '') {
        await fs.mkdir(path.dirname(target), { recursive: true });
        const handle = await fs.open(target, 'w', mode);
        body = { handle, left: size, padding: (512 - (size % 512)) % 512 };
      } else throw new Error(`the embedded database's cluster: unexpected entry ${name} (type ${type})`);
    }
  }
  if (body) throw new Error(`the embedded database's cluster ${file} is cut short`);
  if (!existsSync(path.join(staging, 'PG_VERSION'))) throw new Error(`${file} holds no database`);
  // Replaces the empty folder made for it; a folder with files but no database is not ours to remove.
  await fs.rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return;
    if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST')
      throw new Error(
        `${dataDir} holds files but no database (no PG_VERSION): move them away and start again`,
      );
    throw err;
  });
  await fs.rename(staging, dataDir);
}

export async function startEmbeddedServer(
  input: WorkerInput,
  /** The tarball an empty data folder starts from (default: the build's, else initdb's). */
  cluster?: string,
): Promise<EmbeddedServer> {
  let loadDataDir = input.loadDataDir;
  if (!loadDataDir && !(input.dataDir && existsSync(path.join(input.dataDir, 'PG_VERSION')))) {
    const file = cluster ?? BUILT_CLUSTER;
    if (input.dataDir && existsSync(file)) await extractCluster(file, input.dataDir);
    else loadDataDir = await emptyCluster(file); // initdb's, or in memory: no files to write
  }
  const worker = startWorker({ ...input, loadDataDir });
  let closing = false;
  let nextDump = 0;
  const dumps = new Map<number, { resolve: (b: Blob) => void; reject: (e: Error) => void }>();
  let closed: (() => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded database's thread exited (${code})`)));
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') resolve(reply.port);
      else if (reply.type === 'closed') closed?.();
      else if (reply.type === 'dump') {
        const waiting = dumps.get(reply.id);
        dumps.delete(reply.id);
        if (reply.tar) waiting?.resolve(new Blob([reply.tar]));
        else waiting?.reject(new Error(`dumping the embedded database failed: ${reply.error}`));
      }
    });
  });
  worker.removeAllListeners('error').removeAllListeners('exit');
  const fail = (err: Error) => {
    if (closing) return;
    // Thrown outside any promise: an uncaught exception, so the process ends (see above).
    setImmediate(() => {
      throw err;
    });
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the embedded database's thread exited (${code})`)));
  return {
    port,
    dump: () =>
      new Promise<Blob>((resolve, reject) => {
        const id = nextDump++;
        dumps.set(id, { resolve, reject });
        worker.postMessage({ type: 'dump', id });
      }),
    async close() {
      if (closing) return;
      closing = true;
      const done = new Promise<void>((resolve, reject) => {
        closed = resolve;
        worker.once('error', reject);
      });
      worker.postMessage({ type: 'close' });
      await done;
      await worker.terminate();
    },
  };
}

/** The parts of pglite-socket's (unexported) query queue this module relies on, as of 0.2.17 (pinned). */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}
interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Simple Query, Sync and Terminate end a unit of work; a startup packet (no type byte) stands alone. */
function endsUnit(message: Uint8Array): boolean {
  const type = message[0];
  return type === 0x51 || type === 0x53 || type === 0x58 || type === 0x00;
}

/**
 * pglite-socket queues every protocol message on its own, so with two connections an extended-
 * protocol query (Parse, Bind, Execute, Sync) of one can land between those of the other ("bind
 * message supplies 1 parameters, but prepared statement requires 4"). This keeps each connection's
 * messages together until its Sync, as well as for a whole transaction (as pglite-socket already
 * does), which makes the embedded server safe for several clients at once.
 */
export function serializeUnits(queue: QueryQueue): void {
  let unitOpen = false;
  queue.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const sticky = this.lastHandlerId !== null && (unitOpen || this.db.isInTransaction());
        const index = sticky ? this.queue.findIndex((q) => q.handlerId === this.lastHandlerId) : 0;
        if (index === -1) break; // wait for the rest of the open unit
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          unitOpen = false;
          item.reject(err);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        unitOpen = !endsUnit(item.message);
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(queue);
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    // A client that left in the middle of a unit must not hold everyone else up.
    if (queue.lastHandlerId === handlerId) unitOpen = false;
    void queue.processQueue();
  };
}

/** Written next to the data while a process serves it, so other processes connect instead of opening the files. */
export interface ServerFile {
  pid: number;
  url: string;
}

const SERVER_FILE = 'server.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live server already serving this data dir, if any (a stale file from a crash is ignored). */
export async function runningServer(dataDir: string): Promise<ServerFile | undefined> {
  try {
    const file = JSON.parse(await fs.readFile(path.join(dataDir, SERVER_FILE), 'utf8')) as ServerFile;
    return alive(file.pid) ? file : undefined;
  } catch {
    return undefined;
  }
}

export async function claimServerFile(dataDir: string, url: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, SERVER_FILE);
  await fs.writeFile(file, JSON.stringify({ pid: process.pid, url } satisfies ServerFile));
  return () => fs.rm(file, { force: true });
}
