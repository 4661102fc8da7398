/**
 * Files and media: the files Telegram holds (what users send, what getFile describes and
 * /file/bot<token>/<path> serves), the media objects messages carry, and the content rules that
 * sending by file_id and copying share.
 */
import { randomBytes } from 'node:crypto';
import { bad } from './errors.js';
import { clone } from './params.js';
import type { EmulatorState, FileRecord } from './state.js';
import type { MessageKind, TgMessage } from './types.js';

/** getFile refuses larger files: bots download at most 20 MB. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** A caption a bot sends or copies (Premium users may send longer ones, which then can't be copied). */
export const MAX_CAPTION = 1024;

/** The media fields, in the order a message is checked for its kind. */
export const MEDIA_KINDS = [
  'photo',
  'document',
  'voice',
  'video',
  'audio',
  'animation',
  'video_note',
  'sticker',
] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const FOLDERS: Record<MediaKind, [folder: string, ext: string]> = {
  photo: ['photos', 'jpg'],
  document: ['documents', 'bin'],
  voice: ['voice', 'oga'],
  video: ['videos', 'mp4'],
  audio: ['music', 'mp3'],
  animation: ['animations', 'mp4'],
  video_note: ['video_notes', 'mp4'],
  sticker: ['stickers', 'webp'],
};

const PREFIX: Record<MediaKind, string> = {
  photo: 'AgACAgIAAxkBAAE',
  document: 'BQACAgIAAxkBAAE',
  voice: 'AwACAgIAAxkBAAE',
  video: 'BAACAgIAAxkBAAE',
  audio: 'CQACAgIAAxkBAAE',
  animation: 'CgACAgIAAxkBAAE',
  video_note: 'DQACAgIAAxkBAAE',
  sticker: 'CAACAgIAAxkBAAE',
};

/** The kind of a message by its content. */
export function kindOf(m: Partial<TgMessage>): MessageKind {
  if (m.invoice) return 'invoice';
  if (m.successful_payment) return 'successful_payment';
  if (m.forum_topic_created || m.forum_topic_edited || m.forum_topic_closed || m.forum_topic_reopened) {
    return 'service';
  }
  for (const k of MEDIA_KINDS) if (m[k] !== undefined) return k;
  if (m.poll) return 'poll';
  if (m.dice) return 'dice';
  return 'text';
}

/** The service field a service message carries, for views. */
export function serviceOf(m: Partial<TgMessage>): string | undefined {
  for (const f of [
    'forum_topic_created',
    'forum_topic_edited',
    'forum_topic_closed',
    'forum_topic_reopened',
  ] as const) {
    if (m[f] !== undefined) return f;
  }
  return undefined;
}

/** The file_id of a media message (a photo's largest size). */
export function fileIdOf(m: Partial<TgMessage>): string | undefined {
  const kind = kindOf(m);
  if (kind === 'photo') {
    const sizes = m.photo ?? [];
    return sizes[sizes.length - 1]?.file_id as string | undefined;
  }
  const media = (MEDIA_KINDS as readonly string[]).includes(kind)
    ? (m[kind as MediaKind] as Record<string, unknown> | undefined)
    : undefined;
  return media?.file_id as string | undefined;
}

function register(s: EmulatorState, kind: MediaKind, size: number): FileRecord {
  const n = ++s.fileSeq;
  const id = randomBytes(8).toString('hex');
  const [folder, ext] = FOLDERS[kind];
  const record: FileRecord = {
    file_id: `${PREFIX[kind]}${id}${n}`,
    file_unique_id: `AQAD${id.slice(0, 8)}${n}`,
    size,
    path: `${folder}/file_${n}.${ext}`,
    kind,
    media: {},
  };
  s.files.set(record.file_id, record);
  s.filePaths.set(record.path, record);
  return record;
}

export interface FileOptions {
  /** Bytes (default: a small file). Over 20 MB getFile refuses it, as Telegram does. */
  size?: number;
  name?: string;
  mime?: string;
  /** Seconds, for voice, audio, video. */
  duration?: number;
  emoji?: string;
}

/** A new file of `kind` held by Telegram, and the media object a message carries for it. */
export function newMedia(
  s: EmulatorState,
  kind: MediaKind,
  opts: FileOptions = {},
): Record<string, unknown> | Record<string, unknown>[] {
  if (kind === 'photo') {
    const sizes = [
      { side: 90, bytes: 1200 },
      { side: 320, bytes: opts.size ?? 9800 },
    ].map(({ side, bytes }) => {
      const r = register(s, 'photo', bytes);
      return {
        file_id: r.file_id,
        file_unique_id: r.file_unique_id,
        width: side,
        height: side,
        file_size: bytes,
      };
    });
    for (const size of sizes) s.files.get(size.file_id as string)!.media = sizes;
    return clone(sizes);
  }
  const size = opts.size ?? (kind === 'voice' ? 14_000 : kind === 'sticker' ? 24_000 : 120_000);
  const r = register(s, kind, size);
  const base = { file_id: r.file_id, file_unique_id: r.file_unique_id, file_size: size };
  const media: Record<string, unknown> =
    kind === 'document'
      ? {
          ...base,
          file_name: opts.name ?? `file_${s.fileSeq}.pdf`,
          mime_type: opts.mime ?? 'application/pdf',
        }
      : kind === 'voice'
        ? { ...base, duration: opts.duration ?? 3, mime_type: 'audio/ogg' }
        : kind === 'audio'
          ? {
              ...base,
              duration: opts.duration ?? 120,
              mime_type: opts.mime ?? 'audio/mpeg',
              ...(opts.name ? { file_name: opts.name } : {}),
            }
          : kind === 'sticker'
            ? {
                ...base,
                type: 'regular',
                width: 512,
                height: 512,
                is_animated: false,
                is_video: false,
                emoji: opts.emoji ?? '👍',
              }
            : kind === 'video_note'
              ? { ...base, length: 240, duration: opts.duration ?? 5 }
              : {
                  ...base,
                  width: 1280,
                  height: 720,
                  duration: opts.duration ?? 10,
                  mime_type: opts.mime ?? 'video/mp4',
                };
  r.media = media;
  return clone(media);
}

/**
 * The media object for sending `value` (a file_id, or an http(s) URL Telegram would fetch) as
 * `kind`; Telegram's answers for an unknown id or a file of another type.
 */
export function mediaForSend(
  s: EmulatorState,
  kind: MediaKind,
  value: unknown,
): Record<string, unknown> | Record<string, unknown>[] {
  if (typeof value !== 'string' || value === '') {
    throw bad(`there is no ${kind === 'video_note' ? 'video note' : kind} in the request`);
  }
  if (value.startsWith('attach://')) {
    throw bad('multipart/form-data uploads are not supported by the emulator (send a file_id)');
  }
  if (/^https?:\/\//i.test(value)) return newMedia(s, kind);
  const upload = /^upload:\/\/(\d+)\/(.*)$/.exec(value);
  if (upload) return newMedia(s, kind, { size: Number(upload[1]), name: decodeURIComponent(upload[2]!) });
  const record = s.files.get(value);
  if (!record) throw bad('wrong file identifier/HTTP URL specified');
  const compatible =
    record.kind === kind ||
    // Telegram sends a photo or a video as a document when asked to; the other way it refuses.
    (kind === 'document' && record.kind !== 'sticker' && record.kind !== 'voice');
  if (!compatible) {
    const name = (k: string): string => k.charAt(0).toUpperCase() + k.slice(1).replace('_', ' ');
    throw bad(`can't use file of type ${name(record.kind)} as ${name(kind)}`);
  }
  if (record.kind === kind) return clone(record.media);
  return { file_id: record.file_id, file_unique_id: record.file_unique_id, file_size: record.size };
}

/** The bytes a download serves: deterministic, so a test can compare them. */
export function fileBytes(record: FileRecord): Buffer {
  return Buffer.alloc(record.size, record.file_unique_id);
}

/** The content of a message that a copy carries (text, caption, media, poll, dice), nothing else. */
export function copyableContent(s: EmulatorState, m: TgMessage): Partial<TgMessage> {
  const out: Partial<TgMessage> = {};
  if (m.text !== undefined) out.text = m.text;
  if (m.entities) out.entities = clone(m.entities);
  if (m.caption !== undefined) out.caption = m.caption;
  if (m.caption_entities) out.caption_entities = clone(m.caption_entities);
  for (const k of MEDIA_KINDS) if (m[k] !== undefined) (out as Record<string, unknown>)[k] = clone(m[k]);
  if (m.poll) out.poll = { ...clone(m.poll), id: String(5_000_000_000_000 + ++s.fileSeq) };
  if (m.dice) out.dice = clone(m.dice);
  return out;
}
