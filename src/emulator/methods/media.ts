/**
 * Bot API methods on media and copies: sendPhoto/Document/Voice/Video/Audio/Animation/VideoNote/
 * Sticker and sendMediaGroup by file_id (or URL), copyMessage and copyMessages (albums stay albums),
 * editMessageCaption, and getFile (downloads are served by server.ts).
 */
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { HtmlParseError, parseHtml } from '../html.js';
import { botMessage, changed, placement } from '../chats.js';
import {
  MAX_CAPTION,
  MAX_DOWNLOAD_BYTES,
  copyableContent,
  kindOf,
  mediaForSend,
  type MediaKind,
} from '../media.js';
import {
  clone,
  isObject,
  optBool,
  optJson,
  optString,
  parseMarkup,
  requireMessageId,
  type Params,
} from '../params.js';
import type { ChatState, EmulatorState, Method } from '../state.js';
import type { MessageEntity, TgFile, TgMessage } from '../types.js';

interface ParsedCaption {
  caption?: string;
  caption_entities?: MessageEntity[];
  html?: string;
}

/** A caption with parse_mode (HTML only) or caption_entities; at most 1024 characters. */
function parseCaption(raw: string | undefined, p: Params, strictHtml: boolean): ParsedCaption {
  if (raw === undefined || raw === '') return {};
  const parseMode = optString(p, 'parse_mode');
  let caption = raw;
  let entities: MessageEntity[] | undefined;
  if (parseMode) {
    if (parseMode.toLowerCase() !== 'html') throw bad('unsupported parse_mode');
    try {
      ({ text: caption, entities } = parseHtml(raw, { strict: strictHtml }));
    } catch (e) {
      if (e instanceof HtmlParseError) throw bad(e.message);
      throw e;
    }
  } else {
    const given = optJson(p, 'caption_entities');
    if (Array.isArray(given)) entities = given as MessageEntity[];
  }
  if (caption.length > MAX_CAPTION) throw new ApiError(400, DESCRIPTIONS.captionTooLong);
  return {
    ...(caption !== '' ? { caption } : {}),
    ...(entities && entities.length > 0 ? { caption_entities: entities } : {}),
    ...(parseMode ? { html: raw } : {}),
  };
}

function sendMedia(kind: MediaKind): Method {
  return (s, p): TgMessage => {
    const chat = s.resolveChat(p);
    const media = mediaForSend(s, kind, p[kind]);
    const c =
      kind === 'sticker' || kind === 'video_note'
        ? {}
        : parseCaption(optString(p, 'caption'), p, s.options.strictHtml);
    const markup = parseMarkup(p);
    const where = placement(s, chat, p);
    s.checkBlocked(chat);
    s.checkRate(chat);
    return botMessage(
      s,
      chat,
      {
        ...where,
        [kind]: media,
        ...(c.caption !== undefined ? { caption: c.caption } : {}),
        ...(c.caption_entities ? { caption_entities: c.caption_entities } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      },
      c.html !== undefined ? { html: c.html, parseMode: 'HTML' } : {},
    );
  };
}

const GROUPABLE = new Set(['photo', 'video', 'document', 'audio']);

/** The chat a copy is taken from: any chat the bot is in. */
function sourceChat(s: EmulatorState, p: Params): ChatState {
  const raw = p.from_chat_id;
  const id =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  const chat = Number.isSafeInteger(id) ? s.chats.get(id) : undefined;
  if (!chat || !chat.known) throw new ApiError(400, DESCRIPTIONS.chatNotFound);
  return chat;
}

/** A message a copy may take, or why not. */
function copyable(from: ChatState, id: number): TgMessage | string {
  const stored = from.messages.get(id);
  if (!stored || stored.deleted) return 'message to copy not found';
  const kind = stored.kind;
  if (kind === 'invoice' || kind === 'successful_payment' || kind === 'service') {
    return "message can't be copied";
  }
  const caption = stored.message.caption;
  // A Premium user's long caption can't be carried by a bot.
  if (caption !== undefined && caption.length > MAX_CAPTION) return 'message caption is too long';
  return stored.message;
}

export const mediaMethods: Record<string, Method> = {
  sendPhoto: sendMedia('photo'),
  sendDocument: sendMedia('document'),
  sendVoice: sendMedia('voice'),
  sendVideo: sendMedia('video'),
  sendAudio: sendMedia('audio'),
  sendAnimation: sendMedia('animation'),
  sendVideoNote: sendMedia('video_note'),
  sendSticker: sendMedia('sticker'),

  sendMediaGroup(s, p): TgMessage[] {
    const chat = s.resolveChat(p);
    const raw = optJson(p, 'media');
    if (!Array.isArray(raw)) throw bad("can't parse media JSON object");
    if (raw.length < 2 || raw.length > 10) throw bad('wrong number of media in the album: 2-10 are allowed');
    const items = raw.map((item, i) => {
      if (!isObject(item) || typeof item.type !== 'string' || !GROUPABLE.has(item.type)) {
        throw bad(`can't parse InputMedia JSON object #${i + 1}`);
      }
      const kind = item.type as MediaKind;
      const c = parseCaption(
        typeof item.caption === 'string' ? item.caption : undefined,
        item as Params,
        s.options.strictHtml,
      );
      return { kind, media: mediaForSend(s, kind, item.media), c };
    });
    const kinds = new Set(items.map((i) => i.kind));
    if ((kinds.has('document') || kinds.has('audio')) && kinds.size > 1) {
      throw bad(`${kinds.has('document') ? 'document' : 'audio'} can't be mixed with other media types`);
    }
    const where = placement(s, chat, p);
    s.checkBlocked(chat);
    s.checkRate(chat, items.length);
    const group = String(13_000_000_000_000_000n + BigInt(++s.mediaGroupSeq));
    return items.map(({ kind, media, c }) =>
      botMessage(
        s,
        chat,
        {
          ...where,
          [kind]: media,
          media_group_id: group,
          ...(c.caption !== undefined ? { caption: c.caption } : {}),
          ...(c.caption_entities ? { caption_entities: c.caption_entities } : {}),
        },
        c.html !== undefined ? { html: c.html, parseMode: 'HTML' } : {},
      ),
    );
  },

  copyMessage(s, p): { message_id: number } {
    const chat = s.resolveChat(p);
    const from = sourceChat(s, p);
    const source = copyable(from, requireMessageId(p));
    if (typeof source === 'string') throw bad(source);
    const content = copyableContent(s, source);
    const rawCaption = optString(p, 'caption');
    let html: string | undefined;
    if (rawCaption !== undefined) {
      if (kindOf(source) === 'text') throw bad("can't set caption of a text message");
      const c = parseCaption(rawCaption, p, s.options.strictHtml);
      delete content.caption;
      delete content.caption_entities;
      if (c.caption !== undefined) content.caption = c.caption;
      if (c.caption_entities) content.caption_entities = c.caption_entities;
      html = c.html;
    }
    const markup = parseMarkup(p);
    const where = placement(s, chat, p);
    s.checkBlocked(chat);
    s.checkRate(chat);
    const sent = botMessage(
      s,
      chat,
      { ...where, ...content, ...(markup ? { reply_markup: markup } : {}) },
      html !== undefined ? { html, parseMode: 'HTML' } : {},
    );
    return { message_id: sent.message_id };
  },

  /** Copies in order; messages not found are skipped; album items keep one (new) media_group_id. */
  copyMessages(s, p): { message_id: number }[] {
    const chat = s.resolveChat(p);
    const from = sourceChat(s, p);
    const ids = optJson(p, 'message_ids');
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) {
      throw bad('message_ids must contain 1-100 message identifiers');
    }
    for (let i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== 'number' || (i > 0 && (ids[i] as number) <= (ids[i - 1] as number))) {
        throw bad('message identifiers must be in strictly increasing order');
      }
    }
    const removeCaption = optBool(p, 'remove_caption') ?? false;
    const sources = (ids as number[])
      .map((id) => copyable(from, id))
      .filter((m): m is TgMessage => typeof m !== 'string');
    if (sources.length === 0) throw bad('there are no messages to copy');
    const where = placement(s, chat, p);
    s.checkBlocked(chat);
    s.checkRate(chat, sources.length);
    const groups = new Map<string, string>();
    return sources.map((source) => {
      const content = copyableContent(s, source);
      if (removeCaption) {
        delete content.caption;
        delete content.caption_entities;
      }
      if (source.media_group_id !== undefined) {
        let group = groups.get(source.media_group_id);
        if (group === undefined) {
          group = String(13_000_000_000_000_000n + BigInt(++s.mediaGroupSeq));
          groups.set(source.media_group_id, group);
        }
        content.media_group_id = group;
      }
      return { message_id: botMessage(s, chat, { ...where, ...content }, {}).message_id };
    });
  },

  editMessageCaption(s, p): TgMessage {
    if (p.inline_message_id !== undefined) throw new ApiError(400, DESCRIPTIONS.editNotFound);
    const chat = s.resolveChat(p);
    const stored = chat.messages.get(requireMessageId(p));
    if (!stored || stored.deleted) throw new ApiError(400, DESCRIPTIONS.editNotFound);
    if (!stored.fromBot) throw bad("message can't be edited");
    const m = stored.message;
    if (kindOf(m) === 'text' || m.sticker || m.video_note || m.poll || m.dice) {
      throw bad('there is no caption in the message to edit');
    }
    const c = parseCaption(optString(p, 'caption'), p, s.options.strictHtml);
    const markup = parseMarkup(p);
    s.checkBlocked(chat);
    if (
      (m.caption ?? '') === (c.caption ?? '') &&
      JSON.stringify(m.caption_entities ?? []) === JSON.stringify(c.caption_entities ?? []) &&
      JSON.stringify(m.reply_markup) === JSON.stringify(markup)
    ) {
      throw new ApiError(400, DESCRIPTIONS.notModified);
    }
    s.checkRate(chat);
    if (c.caption !== undefined) m.caption = c.caption;
    else delete m.caption;
    if (c.caption_entities) m.caption_entities = c.caption_entities;
    else delete m.caption_entities;
    if (markup) m.reply_markup = markup;
    else delete m.reply_markup;
    stored.html = c.html;
    stored.parseMode = c.html !== undefined ? 'HTML' : undefined;
    stored.edits++;
    m.edit_date = s.unixNow();
    changed(stored);
    return clone(m);
  },

  getFile(s, p): TgFile {
    const id = optString(p, 'file_id');
    if (!id) throw bad('file_id is empty');
    const record = s.files.get(id);
    if (!record) throw bad('invalid file_id');
    if (record.size > MAX_DOWNLOAD_BYTES) throw new ApiError(400, DESCRIPTIONS.fileTooBig);
    return {
      file_id: record.file_id,
      file_unique_id: record.file_unique_id,
      file_size: record.size,
      file_path: record.path,
    };
  },
};
