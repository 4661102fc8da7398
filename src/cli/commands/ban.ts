import { validation } from '../../services/index.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs, UsageError } from '../command.js';

/**
 * ban / unban through the same service as the panel: only a real change is written, and the database
 * trigger queues the Telegram notice in the same transaction, so the bot tells the user exactly once.
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
      const problem = validation.problem('telegramId', raw, 'TELEGRAM_ID');
      if (problem) throw new UsageError(`${problem}, got "${raw}".`);
      const telegramId = Number(raw);
      const { users } = deps.services;
      const user = await users.findByTelegramId(telegramId);
      if (!user) throw new CommandError(`Error: no Telegram user ${telegramId}.`);
      const changed = (await users.setBanned([user.id], banned)) > 0;
      deps.out(
        changed
          ? `Telegram user ${telegramId} ${banned ? 'banned' : 'unbanned'}; the bot will tell them.`
          : `Telegram user ${telegramId} is already ${banned ? 'banned' : 'not banned'}.`,
      );
      return 0;
    },
  );
}

export const ban = banCommand('ban');
export const unban = banCommand('unban');
