import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import type { EmulatorOptions } from '../../src/emulator/emulator.js';
import { newUser, startHarness, type Harness } from '../support/bot-harness.js';

/**
 * F33 and bug 1: commands and descriptions set at start, per language; "False" means false.
 * The ids are those of docs/original-behaviour.md.
 */
describe('start-up customisation', () => {
  const harnesses: Harness[] = [];
  const start = async (
    env: Record<string, string>,
    emulator: EmulatorOptions = {},
    opts: Parameters<typeof startHarness>[2] = {},
  ) => {
    const h = await startHarness(env, emulator, opts);
    harnesses.push(h);
    return h;
  };
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it('sets the commands and descriptions in Russian by default and in English for English clients', async () => {
    const h = await start({});
    expect(h.emulator.commands()).toEqual([
      { command: 'start', description: 'Начало работы.' },
      { command: 'help', description: 'Справка о работе бота.' },
      { command: 'menu', description: 'Переход в основное меню.' },
      { command: 'cancel', description: 'Отменить команду и вернуться в главное меню.' },
      { command: 'support', description: 'Написать в поддержку.' },
    ]);
    expect(h.emulator.commands({ type: 'default' }, 'en')).toEqual([
      { command: 'start', description: 'Getting started.' },
      { command: 'help', description: 'Help on how the bot works.' },
      { command: 'menu', description: 'Go to the main menu.' },
      { command: 'cancel', description: 'Cancel the command and return to the main menu.' },
      { command: 'support', description: 'Write to support.' },
    ]);
    // /sign_out stays hidden (it is described in /help).
    expect(h.emulator.commands().map((c) => c.command)).not.toContain('sign_out');
    expect(h.emulator.description).toBe('Бот для управления магазинами.');
    expect(h.emulator.shortDescription).toBe('Бот для управления магазинами.');
    expect(h.emulator.descriptionFor('en')).toBe('Bot for managing shops.');
    expect(h.emulator.shortDescriptionFor('en')).toBe('Bot for managing shops.');
    // A restart sets them again without error.
    await h.restart();
    expect(h.emulator.callsOf('setMyCommands').every((c) => c.ok)).toBe(true);
  });

  it('DEFAULT_LANGUAGE=en makes English the default and Russian the extra language', async () => {
    const h = await start({ DEFAULT_LANGUAGE: 'en' });
    expect(h.emulator.commands()[0]).toEqual({ command: 'start', description: 'Getting started.' });
    expect(h.emulator.commands({ type: 'default' }, 'ru')[0]).toEqual({
      command: 'start',
      description: 'Начало работы.',
    });
    expect(h.emulator.description).toBe('Bot for managing shops.');
    // A user whose language has no catalogue gets the default.
    const u = newUser(h, { language_code: 'de' });
    u.send('/start');
    await u.waitForMessage('Choose a role:');
  });

  it('BOT_AUTO_CUSTOMISE=False really means false', async () => {
    const h = await start({ BOT_AUTO_CUSTOMISE: 'False' });
    expect(h.emulator.callsOf('setMyCommands')).toEqual([]);
    expect(h.emulator.callsOf('setMyDescription')).toEqual([]);
    expect(h.emulator.commands()).toEqual([]);
    // The bot still serves.
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
  });

  it('a Bot API server without setMyCommands or the description methods gets a warning, not a failed start', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const unsupported = ['setMyCommands', 'setMyDescription', 'setMyShortDescription'];
    const h = await start(
      {},
      { unsupportedMethods: unsupported },
      { logger: createLogger('info', 'market-bot', sink) },
    );
    // Each method was tried once, refused, and not tried again for the other language.
    for (const method of unsupported) expect(h.emulator.callsOf(method)).toHaveLength(1);
    const warnings = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; method?: string })
      .filter((l) => l.level === 40);
    expect(warnings.map((w) => w.method)).toEqual(unsupported);
    expect(warnings[0]!.msg).toMatch(/does not implement setMyCommands/);
    // The bot serves.
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
  });
});
