/**
 * The embedded database's own thread: PGlite and the pglite-socket server that serves it over the
 * PostgreSQL wire protocol on a loopback port. PGlite runs every statement synchronously in WASM on
 * the thread that holds it; here that is this worker's, so the bot's event loop only talks to it
 * over the socket (as to any PostgreSQL server) and never waits while a statement runs.
 *
 * Started by startEmbeddedServer (embedded.ts); it answers { type: 'ready', port } and then serves
 * until the parent sends { type: 'close' } (stop the server, close PGlite: its files are complete
 * on disk, then { type: 'closed' }). { type: 'dump', id } answers the data dir as a tarball.
 * Started with initdbOnly, it makes a new cluster instead, answers it ({ type: 'cluster' }) and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { EMBEDDED_START_PARAMS, serializeUnits, type WorkerInput, type WorkerReply } from './embedded.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

const startParams = [...PGlite.defaultStartParams, ...EMBEDDED_START_PARAMS];

/**
 * initdb, in a thread of its own that then ends: PGlite runs it in two more WASM instances beside the
 * database's (~700 MB at their peak), and ending the thread gives all of that back at once.
 */
async function initdb(): Promise<void> {
  const fresh = await PGlite.create({ startParams });
  // Written out now, so the first start on this cluster has next to no WAL to replay.
  await fresh.exec('CHECKPOINT');
  const tar = await (await fresh.dumpDataDir('gzip')).arrayBuffer();
  await fresh.close();
  send({ type: 'cluster', tar }, [tar]);
}

async function serve(): Promise<void> {
  const db = await PGlite.create({
    dataDir: input.dataDir,
    loadDataDir: input.loadDataDir ? new Blob([input.loadDataDir]) : undefined,
    extensions: { pg_trgm },
    startParams,
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  serializeUnits((server as unknown as { queryQueue: Parameters<typeof serializeUnits>[0] }).queryQueue);
  await server.start();
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();

  port.on('message', (message: { type: 'close' } | { type: 'dump'; id: number }) => {
    if (message.type === 'dump') {
      void (async () => {
        try {
          const tar = await (await db.dumpDataDir('none')).arrayBuffer();
          send({ type: 'dump', id: message.id, tar }, [tar]);
        } catch (err) {
          send({ type: 'dump', id: message.id, error: String(err) });
        }
      })();
    } else if (message.type === 'close') {
      void (async () => {
        await server.stop();
        await db.close();
        send({ type: 'closed' });
        port.close();
      })();
    }
  });
  send({ type: 'ready', port: address.port });
}

await (input.initdbOnly ? initdb() : serve());
