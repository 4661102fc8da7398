/**
 * The pipeline tests' broker side: queue names unique to each run (runs never collide on the shared
 * RabbitMQ), a client to look into the partition queues, and cleanup.
 */
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { loadConfig, type Config } from '../../src/config.js';
import { deadQueue, deskQueue, partitionQueue } from '../../src/pipeline/partition.js';
import { BROKER } from '../sync/support.js';

export { BROKER, BrokerProxy, waitFor } from '../sync/support.js';

/** A queue prefix no other run uses. */
export const uniquePrefix = (tag: string) => `test.${tag}.${process.pid}.${randomBytes(3).toString('hex')}.`;

export const SECRET = 'pipeline_secret-1';

/** A configuration for `role` with its own queues (AMQP_URL: `url`, the broker or a proxy to it). */
export function pipelineConfig(env: Record<string, string>): Config {
  return loadConfig({
    NODE_ENV: 'test',
    BOT_TOKEN: '123456:TEST-TOKEN',
    WEBHOOK_URL: 'https://bot.example.com/telegram/hook',
    WEBHOOK_SECRET: SECRET,
    ...env,
  });
}

/** Looks into the partition queues and deletes them at the end. */
export class QueueInspector {
  private conn?: ChannelModel;

  constructor(
    private readonly prefix: string,
    private readonly partitions: number,
  ) {}

  private async channel() {
    this.conn ??= await amqp.connect(BROKER.url);
    return this.conn.createChannel();
  }

  /**
   * Takes the messages waiting in partition `p` (consumed and acknowledged: they are gone): waits
   * for at least `expected`, then a moment more for any extra. (Quorum queues with a single active
   * consumer refuse basic.get.)
   */
  drain(p: number, expected: number): Promise<amqp.ConsumeMessage[]> {
    return this.drainQueue(partitionQueue(this.prefix, p), expected);
  }

  /** The same for the desk queue (groups' updates). */
  drainDesk(expected: number): Promise<amqp.ConsumeMessage[]> {
    return this.drainQueue(deskQueue(this.prefix), expected);
  }

  private async drainQueue(queue: string, expected: number): Promise<amqp.ConsumeMessage[]> {
    const ch = await this.channel();
    const got: amqp.ConsumeMessage[] = [];
    const { consumerTag } = await ch.consume(queue, (m) => m && got.push(m), {
      noAck: true,
    });
    const deadline = Date.now() + 5000;
    while (got.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await ch.cancel(consumerTag);
    await ch.close();
    return got;
  }

  /** Messages waiting (ready) per partition. */
  async depths(): Promise<number[]> {
    const ch = await this.channel();
    const out: number[] = [];
    for (let p = 0; p < this.partitions; p++)
      out.push((await ch.checkQueue(partitionQueue(this.prefix, p))).messageCount);
    await ch.close();
    return out;
  }

  async close(): Promise<void> {
    const ch = await this.channel().catch(() => undefined);
    for (let p = 0; p < this.partitions; p++)
      await ch?.deleteQueue(partitionQueue(this.prefix, p)).catch(() => undefined);
    await ch?.deleteQueue(deskQueue(this.prefix)).catch(() => undefined);
    await ch?.deleteQueue(deadQueue(this.prefix)).catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
  }
}

let nextUpdateId = Math.floor(Math.random() * 1e6) * 1000;
/** A private message from `chat`. */
export function textUpdate(chat: number, text: string) {
  const update_id = ++nextUpdateId;
  return {
    update_id,
    message: {
      message_id: update_id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chat, type: 'private' as const, first_name: 'Seller' },
      from: { id: chat, is_bot: false, first_name: 'Seller' },
      text,
    },
  };
}
