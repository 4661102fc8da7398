import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newUserId, seedShop, startHarness, type Harness } from '../support/bot-harness.js';

describe('a seller, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('logs in with a shop key, opens the list and deactivates the shop', async () => {
    const { apiKey } = await seedShop(h.services, 'Домашний уют');
    const u = h.emulator.user({ id: newUserId(), first_name: 'Анна', language_code: 'ru' });
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage(/API key/);
    const sent = u.send(apiKey);
    await u.waitForMessage('Вы вошли в систему как Продавец');
    expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
    u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Доступные магазины');
    u.press(/Домашний уют 🟢/);
    await u.waitForMessage('Магазин: Домашний уют');
    u.pressKey((t) => t.btnActivation);
    await u.waitForMessage(/Активен: 🟢/);
    const q = u.pressKey((t) => t.btnDeactivate);
    await u.waitForMessage(/Активен: 🔴/);
    expect((await u.answerOf(q.queryId)).text).toBe('Магазин деактивирован');
  });
});
