import { LOCK_SPACE, type AdvisorySession } from '../db/advisory.js';
import type { Logger } from '../logger.js';
import { errorText } from './amqp.js';

export interface LeadershipOptions {
  /** Opens a connection of its own for the lock. */
  openLocks: () => Promise<AdvisorySession>;
  /** The bot's token: one leader per bot (processes of other bots on the same database don't compete). */
  botToken: string;
  logger: Logger;
  /** Starts the singletons; called when this process becomes the leader. */
  lead: () => Promise<void>;
  /** Stops them; called when it stops being the leader (its lock connection died) or at stop(). */
  stepDown: () => Promise<void>;
  checkMs?: number;
}

/** The lock key of a bot: its numeric id, the part of the token before the colon. */
export function leaderKey(botToken: string): number {
  const id = Number(botToken.split(':')[0]);
  return Number.isSafeInteger(id) ? id % 0x7fffffff : 0;
}

/**
 * One process per bot token runs the singletons (ban notices, the support desk's channels and
 * outboxes, the maintenance, the shop sync, and with a broker the poller): the one holding the
 * leader's advisory lock, on a connection of its own. When that process dies its connection closes
 * and the server frees the lock: a standby, trying every `checkMs`, takes over within a second or
 * two. A leader that finds its lock connection dead steps down at once, since another may lead now.
 */
export class Leadership {
  private session?: AdvisorySession;
  private leading = false;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = true;
  /** After losing the lock connection, a standby that kept its own gets the first chance. */
  private quietUntil = 0;

  constructor(private readonly opts: LeadershipOptions) {}

  get leader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.round = this.check().catch((err: unknown) =>
        this.opts.logger.warn({ err: errorText(err) }, 'leadership check failed; will retry'),
      );
      await this.round;
      this.round = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.opts.checkMs ?? 1000);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    if (this.leading) await this.resign('stopping');
    await this.session?.close();
    this.session = undefined;
  }

  private async check(): Promise<void> {
    if (this.session && !(await this.session.alive())) {
      const old = this.session;
      this.session = undefined;
      if (this.leading) await this.resign('lost the lock connection');
      await old.close();
      this.quietUntil = Date.now() + 3 * (this.opts.checkMs ?? 1000);
    }
    if (this.leading || this.stopped || Date.now() < this.quietUntil) return;
    this.session ??= await this.opts.openLocks();
    const [got] = await this.session.tryLock(LOCK_SPACE.leader, [leaderKey(this.opts.botToken)]);
    if (got === undefined) return;
    this.leading = true;
    this.opts.logger.info('leader: this process runs the notifier, outboxes, maintenance and sync');
    try {
      await this.opts.lead();
    } catch (err) {
      this.opts.logger.error({ err: errorText(err) }, 'leader: the singletons failed to start');
    }
  }

  private async resign(reason: string): Promise<void> {
    this.leading = false;
    this.opts.logger.warn({ reason }, 'leader: stepping down');
    await this.opts
      .stepDown()
      .catch((err: unknown) =>
        this.opts.logger.warn({ err: errorText(err) }, 'leader: the singletons did not stop cleanly'),
      );
    await this.session?.unlock(LOCK_SPACE.leader, [leaderKey(this.opts.botToken)]).catch(() => undefined);
  }
}
