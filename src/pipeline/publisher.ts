import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Update } from 'telegraf/types';
import type { AmqpConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { BrokerLink, errorText, type BrokerState } from './amqp.js';
import { declareQueues, orderKey, queueOf } from './partition.js';

/** The broker is not connected, refused an update, or did not confirm it in time. */
export class BrokerUnavailable extends Error {
  override name = 'BrokerUnavailable';
}

export interface UpdatePublisherOptions {
  amqp: AmqpConfig;
  logger: Logger;
  confirmTimeoutMs?: number;
  reconnect?: { minMs: number; maxMs: number };
}

/**
 * Puts updates in their partition queues, or a group's in the desk queue (the receiver's half of the pipeline, and the poller's
 * when a broker is used). `publish` resolves only once RabbitMQ confirmed every update (a quorum
 * queue confirms once the message is on disk), so whoever answers Telegram after it loses nothing;
 * it rejects at once while the broker is away, so Telegram is told to retry.
 */
export class UpdatePublisher {
  private channel?: ConfirmChannel;
  private readonly link: BrokerLink;
  /** Message ids the broker handed back as unroutable (a partition queue deleted under us). */
  private readonly returned = new Set<string>();

  constructor(private readonly opts: UpdatePublisherOptions) {
    const { amqp } = opts;
    this.link = new BrokerLink({
      url: amqp.url,
      logger: opts.logger,
      name: 'update publisher',
      reconnect: opts.reconnect,
      onLost: () => (this.channel = undefined),
      setup: async (conn, watch) => {
        const channel = await conn.createConfirmChannel();
        watch(channel);
        channel.on('return', (msg: ConsumeMessage) => {
          const id = msg.properties.messageId as unknown;
          if (typeof id === 'string') this.returned.add(id);
        });
        await declareQueues(channel, amqp);
        this.channel = channel;
      },
    });
  }

  get state(): BrokerState {
    return this.link.state;
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    this.channel = undefined;
    await this.link.stop();
  }

  /** Publishes the updates (persistent, one message each) and waits for every confirm. */
  async publish(updates: Update[]): Promise<void> {
    const channel = this.channel;
    if (!channel || this.link.state !== 'connected')
      throw new BrokerUnavailable('the update broker is not connected');
    await Promise.all(updates.map((u) => this.publishOne(channel, u)));
  }

  private publishOne(channel: ConfirmChannel, update: Update): Promise<void> {
    const { amqp } = this.opts;
    const messageId = String(update.update_id);
    // A forum's updates go to the desk's queue, which only the leader (running the channels) consumes.
    const queue = queueOf(update, amqp.queuePrefix, amqp.partitions);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BrokerUnavailable('no confirm from the update broker in time')),
        this.opts.confirmTimeoutMs ?? 10_000,
      );
      try {
        channel.publish(
          '',
          queue,
          Buffer.from(JSON.stringify(update)),
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            messageId,
            headers: { chat: orderKey(update) },
          },
          (err: unknown) => {
            clearTimeout(timer);
            const unroutable = this.returned.delete(messageId);
            if (err) reject(new BrokerUnavailable(`the update broker refused an update: ${errorText(err)}`));
            else if (unroutable) reject(new BrokerUnavailable(`the queue ${queue} does not exist`));
            else resolve();
          },
        );
      } catch (err) {
        // The channel closed between the check and the publish.
        clearTimeout(timer);
        reject(new BrokerUnavailable(errorText(err)));
      }
    });
  }
}
