import { Context } from 'telegraf';
import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import type { TelegramUser } from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import type { Language, Texts } from './texts/index.js';

/** Typed input the bot is waiting for, and since when (it expires). */
export type ExpectKind = 'admin_username' | 'admin_password' | 'seller_key' | 'add_key';

export interface SessionData {
  expect?: { kind: ExpectKind; at: number; username?: string };
}

export interface BotDeps {
  config: Config;
  dataSource: DataSource;
  services: Services;
  logger: Logger;
}

/** How long typed input is waited for before the prompt lapses. */
export const EXPECT_TTL_MS = 10 * 60 * 1000;

export class BotContext extends Context {
  deps!: BotDeps;
  t!: Texts;
  lang!: Language;
  session: SessionData = {};
  /** The registered user, once a gate has let the update through. */
  user?: TelegramUser;
  answered = false;

  /** Answers the callback query once; later calls do nothing (Telegram accepts one answer). */
  async answer(text?: string, showAlert = false): Promise<void> {
    if (!this.callbackQuery || this.answered) return;
    this.answered = true;
    try {
      await this.answerCbQuery(text?.slice(0, 200), { show_alert: showAlert });
    } catch (err) {
      // A query older than ~15 s can't be answered any more; nothing is lost by ignoring it.
      this.deps.logger.debug({ err }, 'callback answer failed');
    }
  }

  get fullName(): string {
    return [this.from?.first_name, this.from?.last_name].filter(Boolean).join(' ');
  }
}
