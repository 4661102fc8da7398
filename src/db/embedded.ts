import fs from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

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
