import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { TelegramEmulator, type TgMessage, type TgUpdate } from '../../src/emulator/emulator.js';

interface ApiAnswer {
  status: number;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

let emu: TelegramEmulator;
const FORUM = -1001234567890;

async function call(method: string, params: Record<string, unknown> = {}): Promise<ApiAnswer> {
  const res = await fetch(`${emu.apiRoot}/bot${emu.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as ApiAnswer['body'] };
}

async function result<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const answer = await call(method, params);
  if (!answer.body.ok) throw new Error(`${method} failed: ${answer.body.description}`);
  return answer.body.result as T;
}

async function error(method: string, params: Record<string, unknown>): Promise<string> {
  const answer = await call(method, params);
  expect(answer.body.ok).toBe(false);
  return `${answer.status} ${answer.body.description}`;
}

/** Every update queued so far (confirmed by the same call). */
async function updates(): Promise<TgUpdate[]> {
  const got = await result<TgUpdate[]>('getUpdates', { timeout: 0 });
  if (got.length > 0) await result('getUpdates', { offset: got[got.length - 1].update_id + 1, timeout: 0 });
  return got;
}

const topic = (name = 'Ann · @ann') =>
  result<{ message_thread_id: number; name: string; icon_color: number }>('createForumTopic', {
    chat_id: FORUM,
    name,
  });

beforeEach(async () => {
  emu = new TelegramEmulator({ rateLimit: { perGroup: { count: 5, windowMs: 2000 } } });
  await emu.start();
});

afterEach(async () => {
  await emu.stop();
});

describe('forums: chats, members, topics', () => {
  it('getChat tells a forum; getChatMember gives the bot its status and rights', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    expect(await result('getChat', { chat_id: FORUM })).toMatchObject({
      id: FORUM,
      type: 'supergroup',
      title: 'Support',
      is_forum: true,
    });
    expect(await result('getChatMember', { chat_id: FORUM, user_id: emu.botUser.id })).toMatchObject({
      status: 'administrator',
      can_manage_topics: true,
      can_delete_messages: true,
    });
    forum.setBot({ status: 'administrator', rights: { can_manage_topics: false } });
    expect(await result('getChatMember', { chat_id: FORUM, user_id: emu.botUser.id })).toMatchObject({
      status: 'administrator',
      can_manage_topics: false,
    });
    forum.setBot({ status: 'member' });
    expect(
      (await result<{ status: string }>('getChatMember', { chat_id: FORUM, user_id: emu.botUser.id })).status,
    ).toBe('member');
    expect(await error('getChatMember', { chat_id: FORUM, user_id: 42 })).toBe(
      '400 Bad Request: user not found',
    );
    expect(await error('getChat', { chat_id: -100999 })).toBe('400 Bad Request: chat not found');

    emu.forum({ id: -1002, title: 'Plain', isForum: false });
    expect(await result<{ is_forum?: boolean }>('getChat', { chat_id: -1002 })).not.toHaveProperty(
      'is_forum',
    );
    expect(await error('createForumTopic', { chat_id: -1002, name: 'x' })).toBe(
      '400 Bad Request: the chat is not a forum',
    );
  });

  it('createForumTopic checks the name (1–128), the colour and the right, and posts forum_topic_created', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    expect(await error('createForumTopic', { chat_id: FORUM, name: ' ' })).toBe(
      '400 Bad Request: TOPIC_TITLE_EMPTY',
    );
    expect(await error('createForumTopic', { chat_id: FORUM, name: 'x'.repeat(129) })).toBe(
      '400 Bad Request: TOPIC_TITLE_TOO_LONG',
    );
    expect(await error('createForumTopic', { chat_id: FORUM, name: 'x', icon_color: 123 })).toBe(
      '400 Bad Request: TOPIC_ICON_COLOR_INVALID',
    );
    const t = await result<{ message_thread_id: number; name: string; icon_color: number }>(
      'createForumTopic',
      {
        chat_id: FORUM,
        name: 'x'.repeat(128),
        icon_color: 9367192,
      },
    );
    expect(t).toMatchObject({ name: 'x'.repeat(128), icon_color: 9367192 });
    const created = forum.messages(t.message_thread_id);
    expect(created).toEqual([
      expect.objectContaining({
        message_id: t.message_thread_id,
        service: 'forum_topic_created',
        from_bot: true,
      }),
    ]);

    forum.setBot({ status: 'administrator', rights: { can_manage_topics: false } });
    expect(await error('createForumTopic', { chat_id: FORUM, name: 'y' })).toBe(
      '400 Bad Request: not enough rights to create a topic',
    );
  });

  it('edit, close and reopen answer TOPIC_NOT_MODIFIED when nothing changes; delete needs the right', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const { message_thread_id: id } = await topic();
    const p = { chat_id: FORUM, message_thread_id: id };
    expect(await result('editForumTopic', { ...p, name: 'Ann · Shop' })).toBe(true);
    expect(forum.topic(id)?.name).toBe('Ann · Shop');
    expect(await error('editForumTopic', { ...p, name: 'Ann · Shop' })).toBe(
      '400 Bad Request: TOPIC_NOT_MODIFIED',
    );
    expect(await error('reopenForumTopic', p)).toBe('400 Bad Request: TOPIC_NOT_MODIFIED');
    expect(await result('closeForumTopic', p)).toBe(true);
    expect(forum.topic(id)?.closed).toBe(true);
    expect(await error('closeForumTopic', p)).toBe('400 Bad Request: TOPIC_NOT_MODIFIED');
    expect(await result('reopenForumTopic', p)).toBe(true);
    expect(forum.messages(id).map((m) => m.service)).toEqual([
      'forum_topic_created',
      'forum_topic_edited',
      'forum_topic_closed',
      'forum_topic_reopened',
    ]);

    forum.setBot({ status: 'administrator', rights: { can_delete_messages: false } });
    expect(await error('deleteForumTopic', p)).toBe('400 Bad Request: not enough rights to delete a topic');
    forum.setBot({ status: 'administrator' });
    expect(await result('deleteForumTopic', p)).toBe(true);
    expect(await error('sendMessage', { ...p, text: 'hello' })).toBe(
      '400 Bad Request: message thread not found',
    );
    expect(await error('closeForumTopic', p)).toBe('400 Bad Request: TOPIC_ID_INVALID');
  });

  it('bot messages in a topic carry message_thread_id and is_topic_message; General ones neither', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const { message_thread_id: id } = await topic();
    const inTopic = await result<TgMessage>('sendMessage', {
      chat_id: FORUM,
      message_thread_id: id,
      text: 'card',
    });
    expect(inTopic).toMatchObject({ message_thread_id: id, is_topic_message: true });
    const general = await result<TgMessage>('sendMessage', { chat_id: FORUM, text: 'hi all' });
    expect(general.message_thread_id).toBeUndefined();
    expect(general.is_topic_message).toBeUndefined();
    // A reply without a thread id lands in the replied message's topic.
    const reply = await result<TgMessage>('sendMessage', {
      chat_id: FORUM,
      text: 'answer',
      reply_parameters: { message_id: inTopic.message_id },
    });
    expect(reply).toMatchObject({ message_thread_id: id, is_topic_message: true });
    expect(reply.reply_to_message?.message_id).toBe(inTopic.message_id);
    expect(
      await error('sendMessage', { chat_id: FORUM, text: 'x', reply_parameters: { message_id: 999 } }),
    ).toBe('400 Bad Request: message to be replied not found');
    expect(forum.messages('general').map((m) => m.text)).toEqual(['hi all']);
  });

  it('operators: topic messages, a General reply with a thread id but no is_topic_message, edits, closing and deleting', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const op = forum.operator({ id: 501, first_name: 'Olga' });
    const { message_thread_id: id } = await topic();
    await updates();

    const m = op.send('hello', id);
    const general = op.send('morning all');
    const generalReply = op.reply(general.message_id, 'morning');
    const photo = op.sendPhoto(id, 'look');
    op.edit(m.message_id, 'hello!');
    op.closeTopic(id);
    const got = await updates();
    expect(got[0].message).toMatchObject({ message_thread_id: id, is_topic_message: true, text: 'hello' });
    expect(got[0].message?.from).toMatchObject({ id: 501, is_bot: false, first_name: 'Olga' });
    expect(got[1].message?.message_thread_id).toBeUndefined();
    expect(got[2].message).toMatchObject({ message_thread_id: general.message_id, text: 'morning' });
    expect(got[2].message?.is_topic_message).toBeUndefined();
    expect(got[3].message?.photo).toHaveLength(2);
    expect(got[3].message).toMatchObject({ caption: 'look', is_topic_message: true });
    expect(got[4].edited_message).toMatchObject({ message_id: m.message_id, text: 'hello!' });
    expect(got[5].message).toMatchObject({ message_thread_id: id, forum_topic_closed: {} });
    expect(generalReply.message_id).toBeGreaterThan(general.message_id);
    expect(photo.message_id).toBeGreaterThan(m.message_id);

    op.reopenTopic(id);
    op.deleteTopic(id);
    expect(
      (await updates()).map((u) => Object.keys(u.message ?? {}).includes('forum_topic_reopened')),
    ).toEqual([true]);
    expect(forum.topic(id)?.deleted).toBe(true);
    expect(
      await error('copyMessage', { chat_id: FORUM, from_chat_id: FORUM, message_id: m.message_id }),
    ).toBe('400 Bad Request: message to copy not found');
  });

  it('a closed topic refuses a bot without Manage topics; administrators and icon stickers are listed', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const op = forum.operator({ id: 501, first_name: 'Olga' });
    const { message_thread_id: id } = await topic();
    op.closeTopic(id);
    expect(
      await result('sendMessage', { chat_id: FORUM, message_thread_id: id, text: 'admin may' }),
    ).toMatchObject({
      message_thread_id: id,
    });
    forum.setBot({ status: 'administrator', rights: { can_manage_topics: false } });
    expect(await error('sendMessage', { chat_id: FORUM, message_thread_id: id, text: 'x' })).toBe(
      '400 Bad Request: TOPIC_CLOSED',
    );
    const admins = await result<{ user: { id: number } }[]>('getChatAdministrators', { chat_id: FORUM });
    expect(admins.map((a) => a.user.id).sort()).toEqual([501, emu.botUser.id].sort());
    const icons = await result<{ custom_emoji_id: string }[]>('getForumTopicIconStickers');
    expect(icons.map((i) => i.custom_emoji_id)).toContain('5357419403325481346');
  });

  it('a bot removed from the group gets 403 there', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    forum.setBot({ status: 'kicked' });
    expect(await error('sendMessage', { chat_id: FORUM, text: 'x' })).toBe(
      '403 Forbidden: bot was kicked from the supergroup chat',
    );
    forum.setBot({ status: 'left' });
    expect(await error('getChat', { chat_id: FORUM })).toBe(
      '403 Forbidden: bot is not a member of the supergroup chat',
    );
  });

  it('~20 messages a minute per group: 429 with retry_after, and the window moves on', async () => {
    emu.forum({ id: FORUM, title: 'Support' });
    const { message_thread_id: id } = await topic(); // counts as one
    for (let i = 0; i < 4; i++)
      await result('sendMessage', { chat_id: FORUM, message_thread_id: id, text: `m${i}` });
    const limited = await call('sendMessage', { chat_id: FORUM, message_thread_id: id, text: 'one more' });
    expect(limited.status).toBe(429);
    expect(limited.body.description).toMatch(/^Too Many Requests: retry after \d+$/);
    expect(limited.body.parameters?.retry_after).toBeGreaterThanOrEqual(1);
    emu.advanceTime(2001);
    expect((await call('sendMessage', { chat_id: FORUM, message_thread_id: id, text: 'later' })).status).toBe(
      200,
    );
  });
});

describe('media, copies and files', () => {
  it('sends by file_id, refuses unknown ids, other types and long captions', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const photo = user.sendPhoto('p');
    const doc = user.sendDocument({ name: 'invoice.pdf' });
    const voice = user.sendVoice();
    const photoId = photo.photo![1].file_id as string;
    const sent = await result<TgMessage>('sendPhoto', { chat_id: 7, photo: photoId, caption: 'again' });
    expect(sent.photo).toHaveLength(2);
    expect(user.lastBotMessage()).toMatchObject({ kind: 'photo', text: 'again', file_id: photoId });
    expect(
      (await result<TgMessage>('sendDocument', { chat_id: 7, document: doc.document!.file_id as string }))
        .document,
    ).toMatchObject({ file_name: 'invoice.pdf' });
    expect(
      await result<TgMessage>('sendVoice', { chat_id: 7, voice: voice.voice!.file_id as string }),
    ).toHaveProperty('voice');
    expect(await error('sendPhoto', { chat_id: 7, photo: 'nope' })).toBe(
      '400 Bad Request: wrong file identifier/HTTP URL specified',
    );
    expect(await error('sendPhoto', { chat_id: 7, photo: voice.voice!.file_id as string })).toBe(
      "400 Bad Request: can't use file of type Voice as Photo",
    );
    expect(await error('sendPhoto', { chat_id: 7, photo: photoId, caption: 'x'.repeat(1025) })).toBe(
      '400 Bad Request: message caption is too long',
    );
  });

  it('sendMediaGroup makes one album of 2–10; documents do not mix with photos', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const a = user.sendPhoto().photo![1].file_id as string;
    const b = user.sendPhoto().photo![1].file_id as string;
    const d = user.sendDocument().document!.file_id as string;
    const album = await result<TgMessage[]>('sendMediaGroup', {
      chat_id: 7,
      media: [
        { type: 'photo', media: a, caption: 'two' },
        { type: 'photo', media: b },
      ],
    });
    expect(album).toHaveLength(2);
    expect(album[0].media_group_id).toBeDefined();
    expect(album[1].media_group_id).toBe(album[0].media_group_id);
    expect(await error('sendMediaGroup', { chat_id: 7, media: [{ type: 'photo', media: a }] })).toMatch(
      /^400 Bad Request: wrong number of media/,
    );
    expect(
      await error('sendMediaGroup', {
        chat_id: 7,
        media: [
          { type: 'photo', media: a },
          { type: 'document', media: d },
        ],
      }),
    ).toBe("400 Bad Request: document can't be mixed with other media types");
  });

  it('copyMessage and copyMessages carry content into a topic; albums stay one album; what cannot be copied', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const { message_thread_id: id } = await topic();
    const text = user.send('hello');
    const album = user.sendAlbum([{ type: 'photo', caption: 'both' }, { type: 'photo' }, { type: 'video' }]);
    const copied = await result<{ message_id: number }>('copyMessage', {
      chat_id: FORUM,
      from_chat_id: 7,
      message_id: text.message_id,
      message_thread_id: id,
    });
    const copies = await result<{ message_id: number }[]>('copyMessages', {
      chat_id: FORUM,
      from_chat_id: 7,
      message_ids: album.map((m) => m.message_id),
      message_thread_id: id,
    });
    expect(copies).toHaveLength(3);
    const inTopic = forum.messages(id).filter((m) => !m.service);
    expect(inTopic.map((m) => [m.kind, m.text])).toEqual([
      ['text', 'hello'],
      ['photo', 'both'],
      ['photo', ''],
      ['video', ''],
    ]);
    expect(inTopic[0].message_id).toBe(copied.message_id);
    const groups = new Set(inTopic.slice(1).map((m) => m.media_group_id));
    expect(groups.size).toBe(1);
    expect([...groups][0]).not.toBe(album[0].media_group_id);
    expect(inTopic[1].file_id).toBe(album[0].photo![1].file_id);

    expect(
      await error('copyMessages', {
        chat_id: FORUM,
        from_chat_id: 7,
        message_ids: [3, 2],
        message_thread_id: id,
      }),
    ).toBe('400 Bad Request: message identifiers must be in strictly increasing order');
    expect(await error('copyMessage', { chat_id: FORUM, from_chat_id: 7, message_id: 999 })).toBe(
      '400 Bad Request: message to copy not found',
    );
    expect(await error('copyMessage', { chat_id: 7, from_chat_id: FORUM, message_id: id })).toBe(
      "400 Bad Request: message can't be copied",
    );
    const long = user.sendPhoto('x'.repeat(2000));
    expect(await error('copyMessage', { chat_id: FORUM, from_chat_id: 7, message_id: long.message_id })).toBe(
      '400 Bad Request: message caption is too long',
    );
    // Polls and dice copy as they are.
    emu.advanceTime(2001);
    const poll = user.sendPoll('Which?', ['a', 'b']);
    const dice = user.sendDice();
    await result('copyMessage', {
      chat_id: FORUM,
      from_chat_id: 7,
      message_id: poll.message_id,
      message_thread_id: id,
    });
    await result('copyMessage', {
      chat_id: FORUM,
      from_chat_id: 7,
      message_id: dice.message_id,
      message_thread_id: id,
    });
    expect(
      forum
        .messages(id)
        .slice(-2)
        .map((m) => m.kind),
    ).toEqual(['poll', 'dice']);
  });

  it('copying into a deleted topic: "message thread not found"', async () => {
    const forum = emu.forum({ id: FORUM, title: 'Support' });
    const op = forum.operator({ id: 501, first_name: 'Olga' });
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const { message_thread_id: id } = await topic();
    op.deleteTopic(id);
    const m = user.send('hello');
    expect(
      await error('copyMessage', {
        chat_id: FORUM,
        from_chat_id: 7,
        message_id: m.message_id,
        message_thread_id: id,
      }),
    ).toBe('400 Bad Request: message thread not found');
  });

  it('editMessageCaption edits a media message; editMessageText refuses it', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const p = user.sendPhoto('a');
    const { message_id } = await result<{ message_id: number }>('copyMessage', {
      chat_id: 7,
      from_chat_id: 7,
      message_id: p.message_id,
    });
    await result('editMessageCaption', { chat_id: 7, message_id, caption: 'b' });
    expect(user.lastBotMessage()).toMatchObject({ text: 'b', edits: 1 });
    expect(await error('editMessageCaption', { chat_id: 7, message_id, caption: 'b' })).toMatch(
      /message is not modified/,
    );
    expect(await error('editMessageText', { chat_id: 7, message_id, text: 'c' })).toBe(
      '400 Bad Request: there is no text in the message to edit',
    );
  });

  it('getFile gives a path to download; over 20 MB it refuses', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const doc = user.sendDocument({ name: 'a.pdf', size: 5000 });
    const fileId = doc.document!.file_id as string;
    const file = await result<{ file_path: string; file_size: number }>('getFile', { file_id: fileId });
    expect(file.file_size).toBe(5000);
    const res = await fetch(`${emu.apiRoot}/file/bot${emu.token}/${file.file_path}`);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(emu.fileContent(fileId)!)).toBe(true);
    expect((await fetch(`${emu.apiRoot}/file/bot1:WRONG/${file.file_path}`)).status).toBe(404);

    const big = user.sendDocument({ size: 21 * 1024 * 1024 });
    expect(await error('getFile', { file_id: big.document!.file_id as string })).toBe(
      '400 Bad Request: file is too big',
    );
    expect(await error('getFile', { file_id: 'nope' })).toBe('400 Bad Request: invalid file_id');
  });

  it('users send albums with one media_group_id, polls, dice, replies and caption edits', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    const album = user.sendAlbum([{ type: 'photo' }, { type: 'document', name: 'b.pdf' }]);
    const bot = await result<TgMessage>('sendMessage', { chat_id: 7, text: 'from support' });
    const reply = user.reply(bot.message_id, 'thanks');
    user.edit(album[0].message_id, 'now with a caption');
    const got = await updates();
    expect(got.map((u) => u.message?.media_group_id ?? null).slice(0, 2)).toEqual([
      album[0].media_group_id,
      album[0].media_group_id,
    ]);
    expect(got[2].message?.reply_to_message?.message_id).toBe(bot.message_id);
    expect(reply.reply_to_message?.text).toBe('from support');
    expect(got[3].edited_message).toMatchObject({ caption: 'now with a caption' });
    expect(user.userMessages().map((m) => m.kind)).toEqual(['photo', 'document', 'text']);
  });
});
