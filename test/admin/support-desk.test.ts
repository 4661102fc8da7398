/**
 * The panel's Support section over HTTP: Channels (create, edit with write-only secrets, start,
 * stop, make default) and Conversations (close, support ban), with no message text anywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from '../support/sql.js';
import {
  auditRows,
  createStaff,
  createTelegramUser,
  HttpClient,
  loggedIn,
  startHarness,
  type Harness,
} from './support.js';

let h: Harness;
let clerk: HttpClient;

beforeAll(async () => {
  h = await startHarness();
  await createStaff(h, { username: 'clerk' });
  clerk = await loggedIn(h, 'clerk');
}, 120_000);
afterAll(async () => h?.close());

type RecordJson = { id: string; params: Record<string, unknown>; recordActions?: { name: string }[] };

describe('Support → Channels', () => {
  let id: string;

  test('creates a channel through the service: secrets sealed, never sent back', async () => {
    const reply = await clerk.api('/resources/SupportChannel/actions/new', {
      json: {
        name: 'forum',
        kind: 'topics',
        settingsText: 'forumChatId=-1001234\nbotSecret=very-secret-value\ngreeting=Hello',
        isDefault: 'true',
        running: 'false',
      },
    });
    expect(reply.status).toBe(200);
    const body = reply.json<{ record: RecordJson; notice: { type: string } }>();
    expect(body.notice.type).toBe('success');
    id = body.record.id;
    expect(body.record.params.settingsText).toBe('botSecret=••••••\nforumChatId=-1001234\ngreeting=Hello');
    expect(reply.text).not.toContain('very-secret-value');
    const [row] = await sql<{ settings: string; running: boolean; is_default: boolean }>(
      h,
      `SELECT settings::text, running, is_default FROM support_channels`,
    );
    expect(row).toMatchObject({ running: false, is_default: true });
    expect(row!.settings).not.toContain('very-secret-value');
    const show = await clerk.api(`/resources/SupportChannel/records/${id}/show`);
    expect(show.text).not.toContain('very-secret-value');
    expect(show.text).not.toContain('$sealed');
    const list = await clerk.api('/resources/SupportChannel/actions/list');
    expect(list.text).not.toContain('$sealed');
  });

  test('refuses bad settings and a duplicate name with a sentence', async () => {
    const bad = await clerk.api('/resources/SupportChannel/actions/new', {
      json: { name: 'other', kind: 'topics', settingsText: 'workingHours=whenever' },
    });
    expect(bad.text).toContain('workingHours: expected days and hours');
    const dup = await clerk.api('/resources/SupportChannel/actions/new', {
      json: { name: 'forum', kind: 'topics', settingsText: '' },
    });
    expect(dup.text).toContain('A channel named \\"forum\\" exists.');
  });

  test('edits with write-only secrets: the form shows plain settings; a secret left out is kept', async () => {
    const form = await clerk.api(`/resources/SupportChannel/records/${id}/edit`);
    const params = form.json<{ record: RecordJson }>().record.params;
    expect(params.settingsText).toBe('forumChatId=-1001234\ngreeting=Hello');
    expect(form.text).not.toContain('very-secret-value');
    const saved = await clerk.api(`/resources/SupportChannel/records/${id}/edit`, {
      json: { settingsText: 'forumChatId=-1009999\nworkingHours=Mon-Fri 09:00-18:00' },
    });
    expect(saved.status).toBe(200);
    const channel = await h.services.support.channel('forum');
    expect(channel?.settings).toEqual({
      forumChatId: -1009999,
      workingHours: 'Mon-Fri 09:00-18:00',
      botSecret: 'very-secret-value',
    });
    const audit = (await auditRows(h, 'edit')).filter((r) => r.resource === 'SupportChannel');
    expect(JSON.stringify(audit)).not.toContain('very-secret-value');
  });

  test('starts, stops and makes default', async () => {
    await clerk.api(`/resources/SupportChannel/records/${id}/start`, { json: { confirm: 'yes' } });
    expect((await h.services.support.channel('forum'))?.running).toBe(true);
    await clerk.api(`/resources/SupportChannel/records/${id}/stop`, { json: { confirm: 'yes' } });
    expect((await h.services.support.channel('forum'))?.running).toBe(false);
    const { channel: second } = await h.services.support.createChannel({ name: 'second', kind: 'topics' });
    await clerk.api(`/resources/SupportChannel/records/${second.id}/makeDefault`, {
      json: { confirm: 'yes' },
    });
    expect((await h.services.support.channel('second'))?.isDefault).toBe(true);
    expect((await h.services.support.channel('forum'))?.isDefault).toBe(false);
  });
});

describe('Support → Conversations', () => {
  test('lists conversations without texts; close tells both sides; support ban and unban', async () => {
    const channel = (await h.services.support.channel('forum'))!;
    const u = await createTelegramUser(h, { username: 'asker' });
    const { conversation } = await h.services.support.openOrCreate(u.id, channel.id, false);
    await h.services.support.enqueue('to_operator', conversation.id, {
      type: 'message',
      unit: { chatId: u.telegramId, messageIds: [5], kind: 'text', text: 'private words', files: [] },
    });
    await h.services.support.setReference(conversation.id, 'Planfix task 1014');
    const list = await clerk.api('/resources/SupportConversation/actions/list');
    expect(list.status).toBe(200);
    expect(list.text).toContain('asker');
    expect(list.text).toContain('Planfix task 1014');
    expect(list.text).not.toContain('private words');
    const shown = await clerk.api(`/resources/SupportConversation/records/${conversation.id}/show`);
    expect(shown.text).toContain('Planfix task 1014');

    await clerk.api(`/resources/SupportConversation/records/${conversation.id}/close`, {
      json: { confirm: 'yes' },
    });
    const [conv] = await sql<{ status: string }>(
      h,
      `SELECT status FROM support_conversations WHERE id = $1`,
      [conversation.id],
    );
    expect(conv!.status).toBe('closed');
    expect(await h.services.support.waiting('to_seller')).toBe(1);
    expect(await h.services.support.waiting('to_operator')).toBe(2);

    await clerk.api(`/resources/SupportConversation/records/${conversation.id}/supportBan`, {
      json: { confirm: 'yes' },
    });
    const banned = () =>
      sql<{ support_banned: boolean }>(h, `SELECT support_banned FROM telegram_users WHERE id = $1`, [u.id]);
    expect((await banned())[0]!.support_banned).toBe(true);
    await clerk.api(`/resources/SupportConversation/records/${conversation.id}/supportUnban`, {
      json: { confirm: 'yes' },
    });
    expect((await banned())[0]!.support_banned).toBe(false);
    const dashboard = (await clerk.api('/dashboard')).json<{ support: Record<string, number> }>();
    expect(dashboard.support).toEqual({ openConversations: 0, relayedToday: 0 });
    // Conversations are made by the bot, never in the panel.
    await clerk.api('/resources/SupportConversation/actions/new', {
      json: { status: 'open', telegramUserId: u.id, channelId: channel.id },
    });
    const [{ n }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM support_conversations`);
    expect(n).toBe(1);
  });
});
