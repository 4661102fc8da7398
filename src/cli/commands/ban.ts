import { TelegramUser } from '../../db/entities/index.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs, UsageError } from '../command.js';

/**
 * ban / unban flip telegram_users.is_banned with a conditional UPDATE; the database trigger queues the
 * Telegram notice in the same transaction, so the bot tells the user exactly once.
 */
function banCommand(name: 'ban' | 'unban'): ReturnType<typeof defineCommand> {
  const banned = name === 'ban';
  return defineCommand(
    {
      name,
      summary: `${name} a Telegram user (the bot tells them)`,
      usage: `Usage: ${name} TELEGRAM_ID`,
    },
    async (deps, args) => {
      const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
      const [raw] = expectPositionals(positionals, ['TELEGRAM_ID']);
      if (!/^\d{1,16}$/.test(raw)) throw new UsageError(`TELEGRAM_ID: expected a number, got "${raw}".`);
      const telegramId = Number(raw);
      const outcome = await deps.dataSource.transaction(async (tx) => {
        // Conditional, so that a repeated command changes nothing and queues no second notice.
        const { affected } = await tx
          .createQueryBuilder()
          .update(TelegramUser)
          .set({ isBanned: banned })
          .where('telegramId = :telegramId AND isBanned <> :banned', { telegramId, banned })
          .execute();
        if (affected) return 'changed';
        const [{ exists }] = await tx.query(
          `SELECT EXISTS (SELECT 1 FROM telegram_users WHERE telegram_id = $1)`,
          [telegramId],
        );
        return exists ? 'already' : 'unknown';
      });
      if (outcome === 'unknown') throw new CommandError(`Error: no Telegram user ${telegramId}.`);
      deps.out(
        outcome === 'changed'
          ? `Telegram user ${telegramId} ${banned ? 'banned' : 'unbanned'}; the bot will tell them.`
          : `Telegram user ${telegramId} is already ${banned ? 'banned' : 'not banned'}.`,
      );
      return 0;
    },
  );
}

export const ban = banCommand('ban');
export const unban = banCommand('unban');
