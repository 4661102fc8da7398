import type { Message } from 'telegraf/types';
import type { SellerMessageKind } from './channel.js';

/** A seller's file as it waits in the outbox (no URL: links are signed when the unit is sent). */
export interface StoredFile {
  fileId: string;
  name: string;
  mime?: string;
  size?: number;
}

/** One seller message as it waits in the outbox (sealed), or an album's item. */
export interface StoredUnit {
  chatId: number;
  messageIds: number[];
  kind: SellerMessageKind;
  text?: string;
  files: StoredFile[];
  /** The message in the seller's chat this one replies to (mapped to the platform's id when sent). */
  replyToMessageId?: number;
}

/** Kinds a channel can't carry: the seller is told, nothing is queued. */
export type Unrelayable = 'poll' | 'dice' | 'other';

/** A seller's Telegram message as a unit for the outbox, or why it can't be relayed. */
export function unitOf(message: Message): StoredUnit | { unrelayable: Unrelayable } {
  const m = message as Message & Record<string, unknown>;
  const base = {
    chatId: message.chat.id,
    messageIds: [message.message_id],
    replyToMessageId: (m.reply_to_message as { message_id?: number } | undefined)?.message_id,
  };
  const caption = typeof m.caption === 'string' ? m.caption : undefined;
  const file = (
    f: { file_id: string; file_size?: number; mime_type?: string; file_name?: string },
    name: string,
  ): StoredFile => ({ fileId: f.file_id, name: f.file_name ?? name, mime: f.mime_type, size: f.file_size });
  if ('text' in m && typeof m.text === 'string') return { ...base, kind: 'text', text: m.text, files: [] };
  if ('photo' in m && Array.isArray(m.photo)) {
    const sizes = m.photo as { file_id: string; file_size?: number }[];
    const largest = sizes[sizes.length - 1]!;
    return {
      ...base,
      kind: 'photo',
      text: caption,
      files: [{ ...file(largest, 'photo.jpg'), mime: 'image/jpeg' }],
    };
  }
  const kinds: [SellerMessageKind, string][] = [
    ['animation', 'animation.mp4'],
    ['document', 'document'],
    ['voice', 'voice.ogg'],
    ['audio', 'audio.mp3'],
    ['video', 'video.mp4'],
    ['video_note', 'video_note.mp4'],
    ['sticker', 'sticker.webp'],
  ];
  for (const [kind, name] of kinds) {
    const f = m[kind] as { file_id: string } | undefined;
    if (f && typeof f.file_id === 'string') return { ...base, kind, text: caption, files: [file(f, name)] };
  }
  if ('poll' in m) return { unrelayable: 'poll' };
  if ('dice' in m) return { unrelayable: 'dice' };
  return { unrelayable: 'other' };
}

/** An album's items (queued one by one) as the one unit a channel receives. */
export function mergeAlbum(items: StoredUnit[]): StoredUnit {
  const first = items[0]!;
  if (items.length === 1) return first;
  return {
    chatId: first.chatId,
    messageIds: items.flatMap((u) => u.messageIds),
    kind: 'album',
    text: items.find((u) => u.text)?.text,
    files: items.flatMap((u) => u.files),
    replyToMessageId: first.replyToMessageId,
  };
}
