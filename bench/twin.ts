/**
 * TWIN channel benchmark: memory per open session. A child process runs the TWIN emulator (REST +
 * socket.io with allowEIO3); this process starts N sessions over REST, then starts a TWIN channel
 * that resumes them all (one socket.io-client 2.x connection each, as after a restart), waits until
 * every socket is connected and has taken and acknowledged one message, and reports heap and RSS
 * growth per open session (after a full GC). Then it checks the per-process cap.
 *
 *   node --expose-gc --import tsx bench/twin.ts [--sessions 1000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Telegram } from 'telegraf';
import type { ChannelEvent, ConversationRef } from '../src/support/channel.js';
import { createTwinChannel, twinSocketCount } from '../src/support/channels/twin.js';
import { TwinEmulator } from '../test/support-desk/twin-emulator.js';

const CHAT_ID = '3eb5cf6d-4d20-41c2-b886-f60374d11d19';
const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '1000' }, serve: { type: 'boolean', default: false } },
});

if (values.serve) {
  // The emulator, in its own process so its memory is not counted. Sends one message to every
  // connected session when told on stdin.
  const twin = await new TwinEmulator({ chatId: CHAT_ID, echo: false }).start();
  process.stdout.write(`${twin.baseUrl}\n`);
  process.stdin.on('data', (d) => {
    if (String(d).trim() === 'say') for (const s of twin.sessions.values()) twin.say(s.id, 'hello');
    if (String(d).trim() === 'acks') process.stdout.write(`acks ${twin.acks.length}\n`);
  });
} else {
  await main(Number(values.sessions));
}

async function main(n: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  const base = first.toString().trim();

  const refs: ConversationRef[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/api/chats/v1/chats/${CHAT_ID}/sessions?x_widget=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench ${i}` }),
    });
    const s = (await res.json()) as { id: string; ttl: number };
    refs.push({ id: i + 1, externalId: s.id, state: { ttl: s.ttl, expiresAt: Date.now() + s.ttl * 1000 } });
  }

  let connected = 0;
  let received = 0;
  let capLines = 0;
  const make = (sessions: ConversationRef[], cap: number) =>
    createTwinChannel(
      {
        name: 'bench',
        settings: { chatId: CHAT_ID, apiBase: base, messagesBase: base },
        publicUrl: 'http://localhost',
        emit: async (e: ChannelEvent) => {
          if (e.type === 'operator_message') received++;
        },
        conversationByExternalId: async () => null,
        openConversations: async () => sessions,
        limits: { twinMaxSockets: cap },
        log: {
          info: (_o, msg) => {
            if (msg === 'twin socket connected') connected++;
          },
          warn: () => undefined,
          error: (_o, msg) => {
            if (msg.startsWith('TWIN socket cap reached')) capLines++;
          },
        },
      },
      {} as Telegram,
    );

  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = () => {
    gc?.();
    gc?.();
    return process.memoryUsage();
  };
  const before = measure();
  const started = Date.now();
  const channel = make(refs, n);
  await channel.start();
  while (connected < n) await new Promise((r) => setTimeout(r, 50));
  const connectMs = Date.now() - started;
  child.stdin.write('say\n');
  while (received < n) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const after = measure();
  child.stdin.write('acks\n');
  const [acks] = (await once(child.stdout, 'data')) as [Buffer];

  const perHeap = (after.heapUsed - before.heapUsed) / n;
  const perRss = (after.rss - before.rss) / n;
  console.log(`sessions open: ${n} (sockets: ${twinSocketCount()}), connected in ${connectMs} ms`);
  console.log(`messages taken: ${received}, ${acks.toString().trim()}`);
  console.log(
    `heap per open session: ${(perHeap / 1024).toFixed(1)} KiB; RSS per open session: ${(perRss / 1024).toFixed(1)} KiB` +
      ` (heap ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB, RSS ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB)`,
  );
  await channel.stop();

  // The cap: a channel allowed half of them opens half and says so once.
  connected = 0;
  const capped = make(refs, Math.floor(n / 2));
  await capped.start();
  while (connected < Math.floor(n / 2)) await new Promise((r) => setTimeout(r, 50));
  console.log(`cap ${Math.floor(n / 2)}: sockets ${twinSocketCount()}, cap log lines ${capLines}`);
  await capped.stop();
  child.kill();
}
