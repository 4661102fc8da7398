import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Update } from 'telegraf/types';
import { startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { forDesk, fnv1a, partitionOf } from '../../src/pipeline/partition.js';
import { createReceiver } from '../../src/pipeline/receiver.js';
import {
  BrokerProxy,
  pipelineConfig,
  QueueInspector,
  SECRET,
  textUpdate,
  uniquePrefix,
  waitFor,
} from './support.js';

describe('the partition of an update', () => {
  it('is FNV-1a of the chat mod P: the same in every process and release', () => {
    // Reference values of 32-bit FNV-1a (a published test vector and two chat ids).
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    const update = (chat: number) => textUpdate(chat, 'hi') as unknown as Update;
    expect(partitionOf(update(123456789), 16)).toBe(fnv1a('123456789') % 16);
    // A chat's updates all land in one partition, whatever else they carry.
    const press = {
      update_id: 1,
      callback_query: { id: 'q', from: { id: 42 }, message: { chat: { id: 42 } }, data: 'x' },
    } as unknown as Update;
    expect(partitionOf(press, 16)).toBe(partitionOf(update(42), 16));
    // An update without a chat is spread by its id.
    expect(partitionOf({ update_id: 77 } as Update, 16)).toBe(fnv1a('u77') % 16);
    // Chats spread over the partitions.
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(update(1000 + i), 16)));
    expect(used.size).toBe(16);
  });

  it("is the desk queue for a group's update, whatever its kind, as the bot hands those to the support desk", () => {
    const group = { id: -100555, type: 'supergroup' };
    const desk = [
      { update_id: 1, message: { chat: group, message_thread_id: 3, text: 'hi' } },
      { update_id: 2, edited_message: { chat: group, text: 'hi!' } },
      { update_id: 3, callback_query: { id: 'q', from: { id: 9 }, message: { chat: group }, data: 'x' } },
      { update_id: 4, my_chat_member: { chat: { id: -5, type: 'group' } } },
    ];
    for (const u of desk) expect(forDesk(u as unknown as Update)).toBe(true);
    const private42 = { id: 42, type: 'private' };
    const seller = [
      textUpdate(42, 'hi'),
      {
        update_id: 5,
        callback_query: { id: 'q', from: { id: 42 }, message: { chat: private42 }, data: 'x' },
      },
      // A button under an inline message has no message: the bot treats it as the user's (private).
      { update_id: 6, callback_query: { id: 'q', from: { id: 42 }, inline_message_id: 'i', data: 'x' } },
      { update_id: 7, pre_checkout_query: { id: 'p', from: { id: 42 } } },
      { update_id: 8, my_chat_member: { chat: private42 } },
      { update_id: 9 },
    ];
    for (const u of seller) expect(forDesk(u as unknown as Update)).toBe(false);
  });
});

describe('a receiver', () => {
  const prefix = uniquePrefix('receiver');
  const P = 4;
  let proxy: BrokerProxy;
  let server: RunningServer;
  let receiver: ReturnType<typeof createReceiver>;
  const queues = new QueueInspector(prefix, P);
  const hook = () => `http://127.0.0.1:${server.port}/telegram/hook`;
  const post = (body: unknown, secret = SECRET) =>
    fetch(hook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret },
      body: JSON.stringify(body),
    });
  const health = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    proxy = new BrokerProxy();
    await proxy.start();
    const config = pipelineConfig({
      ROLE: 'receiver',
      AMQP_URL: proxy.url,
      AMQP_PARTITIONS: String(P),
      AMQP_QUEUE_PREFIX: prefix,
    });
    receiver = createReceiver(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
    server = await startHttpServer(receiver.app, 0, '127.0.0.1');
    await waitFor(
      () => receiver.publisher.state,
      (s) => s === 'connected',
    );
  });

  afterAll(async () => {
    await server.close();
    await receiver.publisher.stop();
    await queues.close();
    await proxy.close();
  });

  it('answers 200 once the broker holds the update, in its chat partition, with its id and chat', async () => {
    const updates = [textUpdate(501, 'one'), textUpdate(501, 'two'), textUpdate(777, 'three')];
    for (const u of updates) expect((await post(u)).status).toBe(200);
    // Confirmed means queued: each is in its partition at the moment the 200 arrives.
    const p501 = partitionOf(updates[0] as unknown as Update, P);
    const p777 = partitionOf(updates[2] as unknown as Update, P);
    const got501 = await queues.drain(p501, p777 === p501 ? 3 : 2);
    const got777 = p777 === p501 ? got501 : await queues.drain(p777, 1);
    const mine = (chat: string) =>
      [...got501, ...(p777 === p501 ? [] : got777)].filter((m) => m.properties.headers?.chat === chat);
    expect(mine('501').map((m) => JSON.parse(m.content.toString()) as unknown)).toEqual(updates.slice(0, 2));
    expect(mine('501').map((m) => m.properties.messageId as unknown)).toEqual(
      updates.slice(0, 2).map((u) => String(u.update_id)),
    );
    expect(mine('501').every((m) => m.properties.deliveryMode === 2)).toBe(true);
    expect(mine('777')).toHaveLength(1);
    expect(await health()).toEqual({
      status: 200,
      body: { status: 'ok', role: 'receiver', broker: 'connected', partitions: [], leader: false },
    });
  });

  it("puts a forum's updates in the desk queue, in order, and none in a partition", async () => {
    const forum = { id: -1001234, type: 'supergroup', title: 'Support', is_forum: true };
    const updates = ['answer', 'and more'].map((text) => {
      const u = textUpdate(9, text);
      return { ...u, message: { ...u.message, chat: forum, message_thread_id: 5, is_topic_message: true } };
    });
    for (const u of updates) expect((await post(u)).status).toBe(200);
    const got = await queues.drainDesk(2);
    expect(got.map((m) => JSON.parse(m.content.toString()) as unknown)).toEqual(updates);
    expect(got.map((m) => m.properties.headers?.chat as unknown)).toEqual(['-1001234', '-1001234']);
    expect(await queues.depths()).toEqual([0, 0, 0, 0]);
  });

  it('refuses a wrong secret with 401 and queues nothing', async () => {
    const res = await post(textUpdate(502, 'intruder'), 'not-the-secret');
    expect(res.status).toBe(401);
    expect(await queues.depths()).toEqual([0, 0, 0, 0]);
  });

  it('answers 500 while the broker is away (Telegram retries), and 200 again once it is back', async () => {
    await proxy.cut();
    await waitFor(
      () => receiver.publisher.state,
      (s) => s !== 'connected',
    );
    const update = textUpdate(503, 'while away');
    expect((await post(update)).status).toBe(500);
    expect(await health()).toMatchObject({ status: 503, body: { status: 'unavailable', role: 'receiver' } });
    await proxy.restore();
    await waitFor(
      () => receiver.publisher.state,
      (s) => s === 'connected',
      15_000,
    );
    // Telegram's retry of the same update now goes through: nothing was lost.
    expect((await post(update)).status).toBe(200);
    const got = await queues.drain(partitionOf(update as unknown as Update, P), 1);
    expect(got.map((m) => m.properties.messageId as unknown)).toEqual([String(update.update_id)]);
  });
});
