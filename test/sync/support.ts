/**
 * The marketplace side of the shop-sync tests, over the real RabbitMQ on 127.0.0.1:5672: its own
 * AMQP client that publishes on the inbound exchange and reads what the bot publishes, names unique to
 * each test file (runs never collide), and a TCP proxy between the app and the broker that a test cuts
 * to play "RabbitMQ away for a while" without touching the shared broker.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { SyncConfig } from '../../src/config.js';

/** The broker: TEST_AMQP_URL (CI sets it: scripts/ensure-rabbitmq.sh), else the local default. */
const brokerUrl = new URL(process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
export const BROKER = {
  host: brokerUrl.hostname,
  port: Number(brokerUrl.port || 5672),
  url: brokerUrl.toString(),
};

/** Names no other run uses: exchanges, the app's queue and routing keys. */
export function uniqueSyncConfig(url: string, prefix = 'test'): SyncConfig {
  const tag = `${prefix}.${process.pid}.${randomBytes(4).toString('hex')}`;
  return {
    url,
    inbound: { exchange: `${tag}.ozon_shop`, routingKey: 'ozon_shop', queue: `${tag}.bot_queue` },
    outbound: { exchange: `${tag}.bot_shop`, routingKey: 'bot_shop' },
    prefetch: 10,
  };
}

export interface Published {
  operation: string;
  messageId: string;
  version: number;
  body: Record<string, unknown>;
}

/** The marketplace: publishes events and collects what arrives on the bot's exchange. */
export class Marketplace {
  readonly received: Published[] = [];
  private conn!: ChannelModel;
  private channel!: ConfirmChannel;
  private seq = 0;

  constructor(private readonly config: SyncConfig) {}

  async start(): Promise<void> {
    this.conn = await amqp.connect(BROKER.url);
    this.channel = await this.conn.createConfirmChannel();
    const { inbound, outbound } = this.config;
    await this.channel.assertExchange(inbound.exchange, 'direct', { durable: true });
    await this.channel.assertExchange(outbound.exchange, 'direct', { durable: true });
    const { queue } = await this.channel.assertQueue('', { exclusive: true, autoDelete: true });
    await this.channel.bindQueue(queue, outbound.exchange, outbound.routingKey);
    await this.channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        this.received.push({
          operation: String(msg.properties.headers?.operation),
          messageId: String(msg.properties.messageId),
          version: Number(msg.properties.headers?.['shop-version']),
          body: JSON.parse(msg.content.toString('utf8')) as Record<string, unknown>,
        });
      },
      { noAck: true },
    );
  }

  /** Publishes one event (confirmed by the broker); returns its message id. */
  async send(
    operation: string,
    body: unknown,
    opts: { messageId?: string; raw?: Buffer } = {},
  ): Promise<string> {
    const messageId = opts.messageId ?? `ozon-${process.pid}-${++this.seq}-${randomBytes(3).toString('hex')}`;
    const { inbound } = this.config;
    const content = opts.raw ?? Buffer.from(JSON.stringify(body));
    const ch = this.channel;
    await new Promise<void>((resolve, reject) =>
      ch.publish(
        inbound.exchange,
        inbound.routingKey,
        content,
        { persistent: true, messageId, headers: { operation }, contentType: 'application/json' },
        (err: unknown) => (err ? reject(err as Error) : resolve()),
      ),
    );
    return messageId;
  }

  /** Messages in the app's queue not yet taken. */
  async queued(): Promise<number> {
    const { messageCount } = await this.channel.checkQueue(this.config.inbound.queue);
    return messageCount;
  }

  /** Stops and removes everything the test declared on the shared broker. */
  async close(): Promise<void> {
    const { inbound, outbound } = this.config;
    await this.channel.deleteQueue(inbound.queue).catch(() => undefined);
    await this.channel.deleteExchange(inbound.exchange).catch(() => undefined);
    await this.channel.deleteExchange(outbound.exchange).catch(() => undefined);
    await this.conn.close().catch(() => undefined);
  }
}

/** A TCP proxy to the broker that a test can cut (connections dropped, new ones refused) and restore. */
export class BrokerProxy {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  /** The broker's URL with the proxy's address in place of the broker's. */
  get url(): string {
    const url = new URL(BROKER.url);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(BROKER.port, BROKER.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The broker "goes away": every connection through the proxy drops and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The broker is back on the same address. */
  async restore(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

export async function waitFor<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
