import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import type { GroupChat } from '../../src/emulator/emulator.js';
import type { BotUser } from '../support/texts.js';
import { newUser, seedShop, sql, startHarness, userRow, type Harness } from '../support/bot-harness.js';

const REPORT_CHAT = -1009876543211;

/**
 * Wrong shop keys have a budget across all accounts (here 3 a minute): many accounts can't guess
 * more than that between them. When it runs out, everyone's key attempts wait, and the operators
 * hear of it once per window in the log and the report chat, not once per guess.
 */
describe('the global budget for wrong shop keys', () => {
  let h: Harness;
  let devChat: GroupChat;
  let key: string;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const alerts = () =>
    lines
      .map((l) => JSON.parse(l) as { msg: string; level: number })
      .filter((l) => l.msg.includes('budget for wrong shop keys'));

  beforeAll(async () => {
    h = await startHarness(
      {
        REPORT_CHAT_ID: String(REPORT_CHAT),
        WRONG_KEYS_PER_MINUTE: '3',
        WRONG_KEYS_PER_HOUR: '100',
      },
      {},
      { logger: createLogger('info', 'market-bot', sink) },
    );
    devChat = h.emulator.groupChat({ id: REPORT_CHAT, title: 'market-bot reports' }, newUser(h));
    devChat.send('hello bot');
    key = (await seedShop(h.services, 'Лавка')).apiKey;
  });
  afterAll(async () => {
    await h.close();
  });

  async function atKeyPrompt(): Promise<BotUser> {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    return u;
  }

  async function wrongKeys(n: number) {
    for (let i = 0; i < n; i++) {
      const u = await atKeyPrompt();
      u.send(`mk_wrong_guess_number_${i}_${Date.now()}`);
      await u.waitForMessage('Неверный API key');
    }
  }

  it('three wrong keys from three accounts spend it: a fourth account waits even with the right key', async () => {
    await wrongKeys(3);
    const u = await atKeyPrompt();
    u.send(key);
    await u.waitForMessage('Слишком много неудачных попыток входа. Попробуйте снова через 1 мин.');
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('the operators hear of it once in the window, however many more attempts come', async () => {
    for (let i = 0; i < 3; i++) {
      const u = await atKeyPrompt();
      u.send(key);
      await u.waitForMessage('Слишком много неудачных попыток');
    }
    await h.emulator.settle();
    const reports = devChat.botMessages();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toContain('wrong shop keys');
    expect(reports[0]!.text).toContain('3 a minute');
    expect(reports[0]!.text).not.toContain('mk_');
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]!.level).toBe(50); // error
  });

  it('once the window has passed and it runs out again, they hear of it again', async () => {
    await sql(h, `UPDATE login_failures SET created_at = created_at - interval '61 seconds'`);
    h.clock.advance(61_000);
    const u = await atKeyPrompt();
    u.send(key);
    await u.waitForMessage('Вы вошли в систему как Продавец');
    await wrongKeys(3);
    const late = await atKeyPrompt();
    late.send(key);
    await late.waitForMessage('Слишком много неудачных попыток');
    await h.emulator.settle();
    expect(devChat.botMessages()).toHaveLength(2);
    expect(alerts()).toHaveLength(2);
  });
});
