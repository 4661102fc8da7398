/**
 * The web chat's server side: the page, its script and styles, and a small JSON API over the
 * emulator's users. A browser tab picks a persona and becomes that Telegram user; what it types,
 * presses and pays goes to the emulator as the user's updates, and the chat's messages come back as
 * server-sent events (the whole chat, drawn in place by the page, a few kilobytes at most).
 * The operator's pane is the same over the support forum: its topics and their messages stream to
 * every tab, and what the pane sends is the operator's doing in Telegram's client.
 */
import { randomInt } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type {
  ForumChat,
  ForumOperator,
  TelegramEmulator,
  TestUser,
  TranscriptMessage,
} from '../emulator/emulator.js';
import type { Logger } from '../logger.js';
import type { WebAssets } from './assets.js';
import { page } from './page.js';
import {
  FIRST_NEW_USER_ID,
  PERSONAS,
  STAFF,
  isLanguage,
  isPersonaId,
  type Language,
  type PersonaId,
} from './personas.js';

/** Telegram's limits for what a user sends: 4096 characters of text, 1024 of a caption. */
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MAX_FILE_NAME = 255;
/** The highest id a new user may bring back from an earlier visit (its tab keeps it). */
const LAST_NEW_USER_ID = 999_999_999;
/** How long a press waits for answerCallbackQuery: Telegram's own limit for the bot. */
const ANSWER_WAIT_MS = 15_000;
const HEARTBEAT_MS = 15_000;
/** A tab gets the newest messages of its chat, so that every event stays small. */
const SHOWN_MESSAGES = 200;

interface ChatUser {
  user: TestUser;
  persona: PersonaId;
  language: Language;
}

export interface ChatServerDeps {
  emulator: TelegramEmulator;
  assets: WebAssets;
  logger: Logger;
  /** The panel's address as the browser reaches it (a path on the same server). */
  panelPath: string;
  /** The support desk's forum and the operator the pane writes as (no pane without it). */
  forum?: { chat: ForumChat; operator: ForumOperator; title: string };
}

/** A topic as the forum's list shows it. */
interface TopicEntry {
  id: number;
  name: string;
  closed: boolean;
  icon_color: number;
  /** The newest message's id and time: the list is newest first. */
  last: number;
  date?: number;
  preview?: string;
}

export interface ForumSnapshot {
  title: string;
  topics: TopicEntry[];
  /** Each topic's newest messages, by topic id. */
  messages: Record<string, TranscriptMessage[]>;
}

class BadInput extends Error {}

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function text(body: unknown, name: string, max: number, required: boolean): string | undefined {
  const v = field(body, name);
  if (v === undefined || v === null || v === '') {
    if (required) throw new BadInput(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BadInput(`${name} must be text`);
  if (v.length > max) throw new BadInput(`${name} is longer than ${max} characters`);
  return v;
}

function int(body: unknown, name: string): number {
  const v = field(body, name);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new BadInput(`${name} must be a whole number`);
  return v;
}

type Handler = (req: Request, res: Response) => Promise<void>;
/** Express 4 doesn't catch an async handler's rejection: this hands it to the error handler. */
const handle =
  (fn: Handler) =>
  (req: Request, res: Response, next: (err?: unknown) => void): void => {
    fn(req, res).catch(next);
  };

export interface ChatServer {
  router: Router;
  /** Ends every open event stream (they would hold the HTTP server's close open). */
  endStreams(): void;
}

export function createChatServer(deps: ChatServerDeps): ChatServer {
  const { emulator, assets, logger } = deps;
  const users = new Map<number, ChatUser>();
  const listeners = new Map<number, Set<Response>>();
  const pending = new Set<number>();
  const forumStreams = new Set<Response>();
  const forum = deps.forum;
  let ending = false;

  /** The forum as the operator's client shows it: open and closed topics, newest first, and their messages. */
  const forumSnapshot = (): ForumSnapshot | null => {
    if (!forum) return null;
    const byTopic = new Map<number, TranscriptMessage[]>();
    for (const m of emulator.transcript(forum.chat.id)) {
      if (m.deleted || m.message_thread_id === undefined) continue;
      let list = byTopic.get(m.message_thread_id);
      if (!list) byTopic.set(m.message_thread_id, (list = []));
      list.push(m);
    }
    const topics: TopicEntry[] = forum.chat
      .topics()
      .filter((t) => !t.deleted)
      .map((t) => {
        const list = byTopic.get(t.id) ?? [];
        const newest = list.at(-1);
        const said = [...list].reverse().find((m) => !m.service);
        const preview = said?.text ?? (said?.photo ? '🖼' : said?.document ? '📎' : undefined);
        return {
          id: t.id,
          name: t.name,
          closed: t.closed,
          icon_color: t.icon_color,
          last: newest?.message_id ?? t.id,
          ...(newest ? { date: newest.date } : {}),
          ...(preview !== undefined ? { preview: preview.slice(0, 120) } : {}),
        };
      })
      .sort((a, b) => b.last - a.last);
    const messages: Record<string, TranscriptMessage[]> = {};
    for (const t of topics) messages[t.id] = (byTopic.get(t.id) ?? []).slice(-SHOWN_MESSAGES);
    return { title: forum.title, topics, messages };
  };

  /** What a tab shows: the chat's newest messages, deleted ones left out. */
  const snapshot = (chatId: number): TranscriptMessage[] =>
    emulator
      .transcript(chatId)
      .filter((m) => !m.deleted)
      .slice(-SHOWN_MESSAGES);

  const push = (chatId: number): void => {
    pending.delete(chatId);
    if (forum && chatId === forum.chat.id) {
      const data = `event: forum\ndata: ${JSON.stringify(forumSnapshot())}\n\n`;
      for (const res of forumStreams) res.write(data);
      return;
    }
    const streams = listeners.get(chatId);
    if (!streams?.size) return;
    const data = `event: chat\ndata: ${JSON.stringify(snapshot(chatId))}\n\n`;
    for (const res of streams) res.write(data);
  };
  /** Changes within one tick (a send and an edit in one batch) go out as one event. */
  const changed = (chatId: number | undefined): void => {
    if (chatId === undefined || pending.has(chatId)) return;
    const watched = forum && chatId === forum.chat.id ? forumStreams.size > 0 : listeners.has(chatId);
    if (!watched) return;
    pending.add(chatId);
    setImmediate(() => push(chatId));
  };
  const chatIdOf = (raw: unknown): number | undefined => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  };
  emulator.on('call', (call) => {
    if (call.ok) changed(chatIdOf(call.params.chat_id));
  });
  emulator.on('update', (update) => {
    changed((update.message ?? update.edited_message)?.chat.id);
  });

  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  router.get('/', (_req, res) => {
    res.type('html').set('cache-control', 'no-store').send(page(assets));
  });
  router.get('/app.js', (_req, res) => {
    res.type('js').set('cache-control', 'no-cache').send(assets.script);
  });
  router.get('/app.css', (_req, res) => {
    res.type('css').set('cache-control', 'no-cache').send(assets.styles);
  });

  router.get('/api/setup', (_req, res) => {
    res.json({
      bot: emulator.botUser,
      panel: { path: deps.panelPath, ...STAFF },
      personas: Object.values(PERSONAS).map((p) => ({
        id: p.id,
        firstName: p.firstName,
        secrets: p.secrets,
      })),
      commands: {
        ru: emulator.commands({ type: 'default' }, 'ru'),
        en: emulator.commands({ type: 'default' }, 'en'),
        default: emulator.commands(),
      },
      cards: { ok: '4242 4242 4242 4242', declined: '4000 0000 0000 0002' },
      forum: forum
        ? {
            title: forum.title,
            operator: [forum.operator.info.first_name, forum.operator.info.last_name]
              .filter(Boolean)
              .join(' '),
          }
        : null,
    });
  });

  /** A tab becomes a Telegram user: the persona's, or a new one (the tab may bring back its earlier id). */
  router.post('/api/users', (req, res) => {
    const persona = field(req.body, 'persona');
    const language = field(req.body, 'language');
    if (!isPersonaId(persona))
      throw new BadInput('persona must be one of seller-one, seller-two, admin, new-user');
    if (!isLanguage(language)) throw new BadInput('language must be ru or en');
    const p = PERSONAS[persona];
    let id = p.telegramId;
    if (id === undefined) {
      const asked = field(req.body, 'id');
      const known = typeof asked === 'number' ? users.get(asked) : undefined;
      const reusable =
        typeof asked === 'number' &&
        Number.isSafeInteger(asked) &&
        asked >= FIRST_NEW_USER_ID &&
        asked <= LAST_NEW_USER_ID &&
        (!known || known.persona === 'new-user');
      id = reusable ? asked : randomInt(FIRST_NEW_USER_ID, LAST_NEW_USER_ID);
      while (!reusable && users.has(id)) id = randomInt(FIRST_NEW_USER_ID, LAST_NEW_USER_ID);
    }
    const user = emulator.user({
      id,
      first_name: p.firstName[language],
      ...(p.username ? { username: p.username } : {}),
      language_code: language,
    });
    users.set(id, { user, persona, language });
    res.json({ id, firstName: p.firstName[language], username: p.username ?? null });
  });

  const chatUser = (req: Request): ChatUser => {
    const found = users.get(Number(req.params.id));
    if (!found) throw new BadInput('no such user in this sandbox: pick a persona again');
    return found;
  };

  router.get('/api/chats/:id/events', (req, res) => {
    const { user } = chatUser(req);
    if (ending) {
      res.status(503).json({ error: 'the sandbox is stopping' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      // Its own connection, closed with the stream: a stopping server is not held by a reused socket.
      connection: 'close',
    });
    res.write(`retry: 1000\nevent: chat\ndata: ${JSON.stringify(snapshot(user.chatId))}\n\n`);
    let streams = listeners.get(user.chatId);
    if (!streams) listeners.set(user.chatId, (streams = new Set()));
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
      if (!streams.size) listeners.delete(user.chatId);
    });
  });

  router.post('/api/chats/:id/messages', (req, res) => {
    const { user } = chatUser(req);
    const message = user.send(text(req.body, 'text', MAX_TEXT, true)!);
    res.json({ message_id: message.message_id });
  });

  router.post(
    '/api/chats/:id/press',
    handle(async (req, res) => {
      const { user } = chatUser(req);
      const messageId = int(req.body, 'message_id');
      const data = text(req.body, 'data', 64, true)!;
      const exists = user.chat().some((m) => m.message_id === messageId && !m.deleted);
      if (!exists) throw new BadInput('that message is gone');
      const { queryId } = user.pressData(messageId, data);
      try {
        res.json({ answered: true, ...(await user.answerOf(queryId, ANSWER_WAIT_MS)) });
      } catch {
        // The client shows the spinner stop, as Telegram does when a bot never answers.
        res.json({ answered: false });
      }
    }),
  );

  router.post(
    '/api/chats/:id/pay',
    handle(async (req, res) => {
      const { user } = chatUser(req);
      const messageId = int(req.body, 'message_id');
      const card = (text(req.body, 'card', 32, true) ?? '').replace(/[\s-]/g, '');
      if (!/^\d{12,19}$/.test(card)) throw new BadInput('the card number has 12 to 19 digits');
      const invoice = user.chat().find((m) => m.message_id === messageId && !m.deleted && m.invoice);
      if (!invoice) throw new BadInput('that invoice is gone');
      const result = await user.pay(messageId, { declineCard: card.startsWith('4000') });
      res.json({
        ok: result.ok,
        ...(result.declined ? { declined: true } : {}),
        ...(result.timedOut ? { timedOut: true } : {}),
        ...(result.errorMessage ? { errorMessage: result.errorMessage } : {}),
      });
    }),
  );

  router.post('/api/chats/:id/files', (req, res) => {
    const { user } = chatUser(req);
    const kind = field(req.body, 'kind');
    const caption = text(req.body, 'caption', MAX_CAPTION, false);
    if (kind === 'photo') {
      res.json({ message_id: user.sendPhoto(caption).message_id });
      return;
    }
    if (kind !== 'document') throw new BadInput('kind must be photo or document');
    const name = text(req.body, 'name', MAX_FILE_NAME, true)!;
    const mime = text(req.body, 'mime', 255, false);
    const size = int(req.body, 'size');
    const message = user.sendDocument({
      name,
      ...(size !== undefined ? { size } : {}),
      ...(mime ? { mime } : {}),
      ...(caption !== undefined ? { caption } : {}),
    });
    res.json({ message_id: message.message_id });
  });

  // ---------------------------------------------------------------- the operator's pane

  const operator = (): ForumOperator => {
    if (!forum) throw new BadInput('this sandbox has no support forum');
    return forum.operator;
  };
  /** A topic of the forum that is there (not deleted). */
  const topicOf = (body: unknown): number => {
    const thread = int(body, 'thread');
    const topic = forum?.chat.topic(thread);
    if (!topic || topic.deleted) throw new BadInput('that topic is gone');
    return thread;
  };

  router.get('/api/forum/events', (_req, res) => {
    operator();
    if (ending) {
      res.status(503).json({ error: 'the sandbox is stopping' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'close',
    });
    res.write(`retry: 1000\nevent: forum\ndata: ${JSON.stringify(forumSnapshot())}\n\n`);
    forumStreams.add(res);
    const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      forumStreams.delete(res);
    });
  });

  /** The operator writes in a topic, or replies to one of its messages (/ban, /unban, /close are commands). */
  router.post('/api/forum/messages', (req, res) => {
    const op = operator();
    const thread = topicOf(req.body);
    const body = text(req.body, 'text', MAX_TEXT, true)!;
    const replyTo = field(req.body, 'reply_to');
    if (replyTo === undefined || replyTo === null) {
      res.json({ message_id: op.send(body, thread).message_id });
      return;
    }
    const target = int(req.body, 'reply_to');
    const inTopic = forumSnapshot()?.messages[thread]?.some((m) => m.message_id === target);
    if (!inTopic) throw new BadInput('the message to reply to is gone');
    res.json({ message_id: op.reply(target, body).message_id });
  });

  /** Telegram's topic menu: Close topic, Reopen topic. */
  router.post('/api/forum/topic-state', (req, res) => {
    const op = operator();
    const thread = topicOf(req.body);
    const closed = field(req.body, 'closed');
    if (typeof closed !== 'boolean') throw new BadInput('closed must be true or false');
    const topic = forum!.chat.topic(thread)!;
    if (topic.closed === closed)
      throw new BadInput(closed ? 'the topic is closed already' : 'the topic is open');
    const message = closed ? op.closeTopic(thread) : op.reopenTopic(thread);
    res.json({ message_id: message.message_id });
  });

  router.use((err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    if (err instanceof BadInput) return res.status(400).json({ error: err.message });
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(status).json({ error: 'the request could not be read' });
    }
    logger.error({ err, path: req.path }, 'demo chat request failed');
    res.status(500).json({ error: 'something went wrong in the sandbox' });
  });
  return {
    router,
    endStreams() {
      ending = true;
      for (const streams of listeners.values()) for (const res of streams) res.end();
      listeners.clear();
      for (const res of forumStreams) res.end();
      forumStreams.clear();
    },
  };
}
