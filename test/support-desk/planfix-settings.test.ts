/** The Planfix channel's settings: each mistake gets its own sentence; phones and titles as Planfix wants them. */
import { describe, expect, it } from '@jest/globals';
import { normalisePhone, parsePlanfixSettings, planfixTitle } from '../../src/support/channels/planfix.js';

const good = {
  planfixUrl: 'https://acme.planfix.com/webchat/api',
  planfixToken: 'pf-token',
  providerId: 'market-bot',
  token: 'x'.repeat(16),
};

describe('Planfix settings', () => {
  it('takes the documented settings, the channel name optional', () => {
    expect(parsePlanfixSettings(good)).toEqual({ ...good, channel: undefined });
    expect(parsePlanfixSettings({ ...good, channel: '380955821319' })).toMatchObject({
      channel: '380955821319',
    });
  });

  it('says what is wrong', () => {
    expect(parsePlanfixSettings({ ...good, planfixUrl: 'acme.planfix.com' })).toMatch(/^planfixUrl must be/);
    expect(parsePlanfixSettings({ ...good, planfixUrl: 'ftp://acme' })).toMatch(/^planfixUrl must be/);
    expect(parsePlanfixSettings({ ...good, planfixToken: ' ' })).toMatch(/^planfixToken must be/);
    expect(parsePlanfixSettings({ ...good, providerId: 'a~b' })).toMatch(/^providerId must be .*no "~"/);
    expect(parsePlanfixSettings({ ...good, providerId: undefined })).toMatch(/^providerId/);
    expect(parsePlanfixSettings({ ...good, token: 'short' })).toMatch(/^token must be at least 16/);
  });

  it('keeps phones as digits and titles as "<seller> · <shops>"', () => {
    expect(normalisePhone('+380 (95) 582-13-19')).toBe('380955821319');
    const card = {
      telegramId: 7,
      firstName: 'Ann',
      lastName: 'Lee',
      role: 'seller' as const,
      shops: ['Tea House', 'Green Leaf'],
      subscription: 'active',
    };
    expect(planfixTitle(card)).toBe('Ann Lee · Tea House, Green Leaf');
    expect(planfixTitle({ ...card, firstName: '', lastName: undefined, shops: [] })).toBe('7');
  });
});
