import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServices } from '../../src/services/index.js';
import { sql, sqlOne } from '../support/sql.js';
import { makeSeller, makeShop, openCtx, reset, testOptions, type Ctx } from './fixtures.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx({ ...testOptions, secretKey: 'k'.repeat(40) });
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const channel = (name = 'forum', settings: Record<string, unknown> = { forumChatId: -100123 }) =>
  ctx.s.support.createChannel({ name, kind: 'topics', settings });

describe('support channels', () => {
  it('seal secret settings at rest, keep the token only hashed, and make the first channel the default', async () => {
    const { channel: c, token } = await channel('forum', {
      forumChatId: -1001,
      botToken: '123:SECRET-VALUE',
    });
    expect(token).toMatch(/^sc_/);
    expect(c.isDefault).toBe(true);
    expect(c.settings).toEqual({ forumChatId: -1001, botToken: '123:SECRET-VALUE' });
    const row = await sqlOne<{ settings: string; api_token_hash: string }>(
      ctx,
      `SELECT settings::text, api_token_hash FROM support_channels`,
    );
    expect(row.settings).not.toContain('SECRET-VALUE');
    expect(row.api_token_hash).not.toContain(token);
    expect((await ctx.s.support.channelByToken('forum', token))?.name).toBe('forum');
    expect(await ctx.s.support.channelByToken('forum', token + 'x')).toBeNull();
    expect(await ctx.s.support.channelByToken('other', token)).toBeNull();
    const { channel: second } = await channel('second');
    expect(second.isDefault).toBe(false);
    expect(await ctx.s.support.setDefault('second')).toBe(true);
    const all = await ctx.s.support.listChannels();
    expect(all.map((x) => [x.name, x.isDefault])).toEqual([
      ['forum', false],
      ['second', true],
    ]);
  });

  it('refuse a bad name, an unknown kind and a duplicate with a sentence', async () => {
    await expect(ctx.s.support.createChannel({ name: 'Bad Name', kind: 'topics' })).rejects.toThrow(
      /channel name/,
    );
    await expect(ctx.s.support.createChannel({ name: 'x', kind: 'icq' })).rejects.toThrow(/kind is one of/);
    await channel('forum');
    await expect(channel('forum')).rejects.toThrow('A channel named "forum" exists.');
  });

  it('merge settings on update: "" removes a key, a secret left out stays', async () => {
    await channel('forum', { forumChatId: -1, apiKey: 's1' });
    const c = await ctx.s.support.updateChannel('forum', { settings: { forumChatId: -2, greeting: 'Hi' } });
    expect(c?.settings).toEqual({ forumChatId: -2, apiKey: 's1', greeting: 'Hi' });
    const d = await ctx.s.support.updateChannel('forum', { settings: { greeting: '' }, running: true });
    expect(d?.settings).toEqual({ forumChatId: -2, apiKey: 's1' });
    expect(d?.running).toBe(true);
    expect(await ctx.s.support.updateChannel('nope', { running: true })).toBeNull();
  });
});

describe('support conversations', () => {
  it('make one conversation of two first messages at once', async () => {
    const { channel: c } = await channel();
    const seller = await makeSeller(ctx);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ctx.s.support.openOrCreate(seller.id, c.id, false)),
    );
    expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [{ n }] = await sql<{ n: number }>(ctx, `SELECT count(*)::int AS n FROM support_conversations`);
    expect(n).toBe(1);
  });

  it('open a new one after a close, or reopen the last one where the channel keeps history', async () => {
    const { channel: c } = await channel();
    const seller = await makeSeller(ctx);
    const first = await ctx.s.support.openOrCreate(seller.id, c.id, true);
    await ctx.s.support.setOpened(first.conversation.id, '42');
    expect(await ctx.s.support.closeConversation(first.conversation.id)).toBe(true);
    expect(await ctx.s.support.closeConversation(first.conversation.id)).toBe(false);
    const again = await ctx.s.support.openOrCreate(seller.id, c.id, true);
    expect(again).toMatchObject({ created: false, reopened: true });
    expect(again.conversation).toMatchObject({
      id: first.conversation.id,
      externalId: '42',
      needsOpen: true,
    });
    await ctx.s.support.closeConversation(first.conversation.id);
    const fresh = await ctx.s.support.openOrCreate(seller.id, c.id, false);
    expect(fresh.created).toBe(true);
    expect(fresh.conversation.id).not.toBe(first.conversation.id);
    expect((await ctx.s.support.conversationByExternalId(c.id, '42'))?.id).toBe(first.conversation.id);
  });

  it('build the seller card from the user and their shops', async () => {
    const { shop: a } = await makeShop(ctx, 'Alpha');
    const { shop: b } = await makeShop(ctx, 'Beta');
    const seller = await makeSeller(ctx, [b, a]);
    expect(await ctx.s.support.sellerCard(seller.id)).toMatchObject({
      firstName: 'Ivan',
      role: 'seller',
      shops: ['Alpha', 'Beta'],
      isActive: true,
    });
  });

  it('tell a support ban once, and start over when it is set again', async () => {
    const seller = await makeSeller(ctx);
    expect(await ctx.s.support.tellBanOnce(seller.id)).toBe(false);
    expect(await ctx.s.support.setSupportBanned([seller.id], true)).toBe(1);
    expect(await ctx.s.support.tellBanOnce(seller.id)).toBe(true);
    expect(await ctx.s.support.tellBanOnce(seller.id)).toBe(false);
    await ctx.s.support.setSupportBanned([seller.id], false);
    await ctx.s.support.setSupportBanned([seller.id], true);
    expect(await ctx.s.support.tellBanOnce(seller.id)).toBe(true);
  });
});

describe('the support outbox', () => {
  async function conversation() {
    const { channel: c } = await channel();
    const seller = await makeSeller(ctx);
    return (await ctx.s.support.openOrCreate(seller.id, c.id, false)).conversation;
  }

  it('seals what waits, survives a restart, and hands out one head per conversation in order', async () => {
    const conv = await conversation();
    await ctx.s.support.enqueue('to_operator', conv.id, { text: 'first secret words' });
    await ctx.s.support.enqueue('to_operator', conv.id, { text: 'second' });
    const stored = await sql<{ payload: string }>(ctx, `SELECT payload FROM support_outbox`);
    expect(stored.map((r) => r.payload).join()).not.toContain('secret words');

    // A new process over the same database and key reads what the old one queued.
    const after = createServices(ctx.db.dataSource, { ...testOptions, secretKey: 'k'.repeat(40) });
    const [head, ...none] = await after.support.lease<{ text: string }>('to_operator');
    expect(none).toEqual([]);
    expect(head.payload.text).toBe('first secret words');
    // Leased: nobody else gets it, and the second waits behind it.
    expect(await after.support.lease('to_operator')).toEqual([]);
    // The worker died: once the lease runs out the row comes back.
    await sql(ctx, `UPDATE support_outbox SET next_attempt_at = now() WHERE id = $1`, [head.id]);
    expect((await after.support.lease('to_operator')).map((r) => r.id)).toEqual([head.id]);
    await after.support.delivered([head.id], 'to_operator');
    const [second] = await after.support.lease<{ text: string }>('to_operator');
    expect(second.payload.text).toBe('second');
    await after.support.delivered([second.id], 'to_operator');
    expect(await after.support.waiting()).toBe(0);
    expect(await after.support.figures()).toEqual({ openConversations: 1, relayedToday: 2 });
    // Another key can't read a sealed payload.
    await ctx.s.support.enqueue('to_seller', conv.id, { text: 'x' });
    const stranger = createServices(ctx.db.dataSource, { ...testOptions, secretKey: 'z'.repeat(40) });
    await expect(stranger.support.lease('to_seller')).rejects.toThrow();
  });

  it('keeps an album waiting while items arrive, then hands it out as one unit', async () => {
    const conv = await conversation();
    await ctx.s.support.enqueue('to_operator', conv.id, { n: 1 }, { mediaGroupId: 'g1', delaySeconds: 60 });
    await ctx.s.support.enqueue('to_operator', conv.id, { n: 2 }, { mediaGroupId: 'g1', delaySeconds: 60 });
    expect(await ctx.s.support.lease('to_operator')).toEqual([]);
    await sql(ctx, `UPDATE support_outbox SET next_attempt_at = now()`);
    const [head] = await ctx.s.support.lease<{ n: number }>('to_operator');
    const rest = await ctx.s.support.albumRest<{ n: number }>(head, 'to_operator');
    expect([head, ...rest].map((r) => r.payload.n)).toEqual([1, 2]);
  });

  it('de-duplicates inbound messages by channel and external id', async () => {
    const { channel: c } = await channel();
    const { channel: d } = await channel('other');
    expect(await ctx.s.support.firstSeen(c.id, 'm1')).toBe(true);
    expect(await ctx.s.support.firstSeen(c.id, 'm1')).toBe(false);
    expect(await ctx.s.support.firstSeen(d.id, 'm1')).toBe(true);
    await sql(ctx, `UPDATE support_inbound_seen SET seen_at = now() - interval '8 days'`);
    expect((await ctx.s.support.prune()).seen).toBe(2);
    expect(await ctx.s.support.firstSeen(c.id, 'm1')).toBe(true);
  });
});
