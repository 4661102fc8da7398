import type { Channel } from 'amqplib';
import type { Update } from 'telegraf/types';
import { chatKey } from '../bot/chat-key.js';

/** FNV-1a, 32 bits, over the string's UTF-8 bytes: cheap, and the same in every process and version. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The key an update is ordered by across processes: its chat (as the bot's per-chat queue orders
 * it), or for an update without a chat its own id (it needs no order, so it goes anywhere).
 */
export function orderKey(update: Update): string {
  return chatKey(update) ?? `u${update.update_id}`;
}

/**
 * Whether the update belongs to a group or supergroup (a support forum's operators answering in
 * topics) rather than a seller's private chat: the bot hands those to the support desk's channels
 * (src/bot/index.ts, first middleware), which run in the leader only. Same test as the bot's: the
 * chat Telegraf's context sees (a pressed button's message's chat), not private.
 */
export function forDesk(update: Update): boolean {
  const u = update as unknown as Partial<
    Record<string, { chat?: { type?: string }; message?: { chat?: { type?: string } } }>
  >;
  const type =
    u.message?.chat?.type ??
    u.edited_message?.chat?.type ??
    u.callback_query?.message?.chat?.type ??
    u.my_chat_member?.chat?.type;
  return type !== undefined && type !== 'private';
}

/** The partition (0..partitions-1) of an update: every update of a chat lands in the same one. */
export function partitionOf(update: Update, partitions: number): number {
  return fnv1a(orderKey(update)) % partitions;
}

/** The queue of partition `p`. */
export function partitionQueue(prefix: string, p: number): string {
  return `${prefix}tg.updates.${p}`;
}

/**
 * The queue of the updates for the support desk (forDesk): one queue, consumed only by the leader,
 * which runs the channels that can handle them. One queue keeps each forum's updates in order.
 */
export function deskQueue(prefix: string): string {
  return `${prefix}tg.updates.desk`;
}

/** Where an update goes: the desk's queue, or its chat's partition. */
export function queueOf(update: Update, prefix: string, partitions: number): string {
  return forDesk(update) ? deskQueue(prefix) : partitionQueue(prefix, partitionOf(update, partitions));
}

/** Where updates a worker gave up on (delivered too often: it crashed the workers) are kept. */
export function deadQueue(prefix: string): string {
  return `${prefix}tg.updates.dead`;
}

/**
 * A partition queue's (and the desk queue's) declaration, the same in receivers and workers (RabbitMQ refuses a second
 * declaration with other arguments). Quorum: a confirm means it is on disk (on a majority of nodes).
 * Single active consumer: one worker at a time receives a partition, in order. An update delivered
 * this many times without an ack (every worker that took it died) goes to the dead queue instead of
 * crashing the next worker; ordinary failovers redeliver an update once or twice.
 */
export function partitionQueueOptions(prefix: string) {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-delivery-limit': 10,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': deadQueue(prefix),
    },
  };
}

/** The dead queue's declaration. */
export const DEAD_QUEUE_OPTIONS = { durable: true, arguments: { 'x-queue-type': 'quorum' } };

/**
 * Declares every queue of the pipeline (the dead queue, the partitions, the desk queue): receivers
 * and workers both do, whichever starts first, with the same arguments.
 */
export async function declareQueues(
  channel: Pick<Channel, 'assertQueue'>,
  amqp: { queuePrefix: string; partitions: number },
): Promise<void> {
  const prefix = amqp.queuePrefix;
  await channel.assertQueue(deadQueue(prefix), DEAD_QUEUE_OPTIONS);
  for (let p = 0; p < amqp.partitions; p++)
    await channel.assertQueue(partitionQueue(prefix, p), partitionQueueOptions(prefix));
  await channel.assertQueue(deskQueue(prefix), partitionQueueOptions(prefix));
}

/**
 * A worker's home partitions: the ones it takes at once (p mod count == index); it takes the others
 * only as a standby, a few seconds later, when no other worker holds them.
 */
export function homePartitions(partitions: number, worker?: { index: number; count: number }): number[] {
  const all = Array.from({ length: partitions }, (_, p) => p);
  return worker ? all.filter((p) => p % worker.count === worker.index) : all;
}
