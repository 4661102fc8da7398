/**
 * The sandbox's web chat, in the browser: a persona picker and a chat drawn the way Telegram draws
 * it. The server (src/demo/chat-server.ts) turns what this page sends into the user's updates and
 * streams the chat back (server-sent events); messages are kept by id and redrawn in place when
 * edited, removed when deleted. Each tab is its own user (sessionStorage). Beside it, the operator's
 * pane: the support forum as Telegram's forum view shows it (topics newest first, the chosen topic's
 * messages), where this tab writes, replies, closes topics and bans as the sandbox's operator.
 */

type Lang = 'ru' | 'en';
type PersonaId = 'seller-one' | 'seller-two' | 'admin' | 'new-user';

interface Entity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}
interface Button {
  text: string;
  callback_data?: string;
  url?: string;
  pay?: boolean;
}
interface Message {
  message_id: number;
  from_bot: boolean;
  kind: string;
  text?: string;
  entities?: Entity[];
  reply_markup?: { inline_keyboard: Button[][] };
  invoice?: { title: string; description: string; currency: string; total_amount: number };
  successful_payment?: { currency: string; total_amount: number };
  photo?: { width: number; height: number; file_size?: number };
  document?: { file_name?: string; file_size?: number };
  edited: boolean;
  date: number;
  message_thread_id?: number;
  reply_to_message_id?: number;
  service?: string;
  from_name?: string;
}
interface Topic {
  id: number;
  name: string;
  closed: boolean;
  icon_color: number;
  last: number;
  date?: number;
  preview?: string;
}
interface Forum {
  title: string;
  topics: Topic[];
  messages: Record<string, Message[]>;
}
interface Setup {
  bot: { first_name: string; username?: string };
  panel: { path: string; username: string; password: string };
  personas: {
    id: PersonaId;
    firstName: Record<Lang, string>;
    secrets: { label: Record<Lang, string>; value: string }[];
  }[];
  commands: Record<Lang | 'default', { command: string; description: string }[]>;
  cards: { ok: string; declined: string };
  forum: { title: string; operator: string } | null;
}

const T = {
  en: {
    skip: 'Skip to the message box',
    sandbox: 'Sandbox.',
    sandboxNote:
      'Nothing here is real: the bot talks to a Telegram stand-in, the data is the demo fixture, payments go to a fake provider.',
    persona: 'Who are you',
    language: 'Telegram language',
    openPanel: 'Open the panel',
    botLabel: 'bot',
    hints: 'What to type',
    menu: 'Menu',
    attach: 'Send a photo or a document',
    message: 'Message',
    send: 'Send',
    operatorWaits: 'This sandbox has no support forum.',
    forumSub: (op: string) => `forum · you write as ${op}`,
    topics: 'Topics',
    noTopics: "No topics yet. A seller's first message to support (💬 Support) opens one.",
    topicMenu: 'Topic menu',
    closeTopic: 'Close topic',
    reopenTopic: 'Reopen topic',
    ban: '/ban',
    unban: '/unban',
    closed: 'closed',
    reply: 'Reply',
    replyTo: (text: string) => `Replying to: ${text}`,
    cancelReply: 'Cancel reply',
    opMessage: 'Message in the topic, as the operator',
    service: {
      forum_topic_created: 'Topic created',
      forum_topic_closed: 'Topic closed',
      forum_topic_reopened: 'Topic reopened',
      forum_topic_edited: 'Topic renamed',
    } as Record<string, string>,
    card: 'Card number',
    cancel: 'Cancel',
    personas: {
      'seller-one': 'Seller one (Anna, 3 shops)',
      'seller-two': 'Seller two (Boris, 2 shops)',
      admin: 'The admin (Olga)',
      'new-user': 'A new user',
    } as Record<PersonaId, string>,
    intro: {
      'seller-one': 'Send /start, choose "Seller" and paste the first key. "Add shop" takes the others.',
      'seller-two': 'Send /start, choose "Seller" and paste a key.',
      admin: 'Send /start, choose "Admin", then the username and the password (the panel takes them too).',
      'new-user':
        'New users pay first: send /start, choose "Seller", paste the key, then "Subscription" → "Pay".',
    } as Record<PersonaId, string>,
    copy: 'Copy',
    copied: 'Copied',
    panelCreds: (u: string, p: string) => `login ${u}, password ${p}`,
    empty: 'No messages yet. Send /start.',
    edited: 'edited',
    pay: (sum: string) => `Pay ${sum}`,
    payTitle: 'Payment (test provider)',
    cardHint: (ok: string, no: string) => `${ok} pays; ${no} is declined.`,
    paid: 'Paid. The bot confirms in the chat.',
    declined: 'Your card was declined. Nothing was charged.',
    refused: (why: string) => `The bot refused the payment: ${why}`,
    noAnswer: 'The bot did not confirm in time. Nothing was charged.',
    paying: 'Paying…',
    paidMessage: (sum: string) => `You paid ${sum}`,
    photo: 'Photo',
    document: 'Document',
    invoice: 'Invoice',
    noAnswerPress: 'The bot did not answer.',
    offline: 'Connection lost, reconnecting…',
    failed: 'Not sent: ',
  },
  ru: {
    skip: 'К полю сообщения',
    sandbox: 'Песочница.',
    sandboxNote:
      'Здесь всё ненастоящее: бот говорит с заменой Telegram, данные — демо-набор, платежи идут фальшивому провайдеру.',
    persona: 'Кто вы',
    language: 'Язык Telegram',
    openPanel: 'Открыть панель',
    botLabel: 'бот',
    hints: 'Что вводить',
    menu: 'Меню',
    attach: 'Отправить фото или документ',
    message: 'Сообщение',
    send: 'Отправить',
    operatorWaits: 'В этой песочнице нет форума поддержки.',
    forumSub: (op: string) => `форум · вы пишете как ${op}`,
    topics: 'Темы',
    noTopics: 'Тем пока нет. Первое сообщение продавца в поддержку (💬 Поддержка) открывает тему.',
    topicMenu: 'Меню темы',
    closeTopic: 'Закрыть тему',
    reopenTopic: 'Открыть тему снова',
    ban: '/ban',
    unban: '/unban',
    closed: 'закрыта',
    reply: 'Ответить',
    replyTo: (text: string) => `Ответ на: ${text}`,
    cancelReply: 'Отменить ответ',
    opMessage: 'Сообщение в теме от имени оператора',
    service: {
      forum_topic_created: 'Тема создана',
      forum_topic_closed: 'Тема закрыта',
      forum_topic_reopened: 'Тема открыта снова',
      forum_topic_edited: 'Тема переименована',
    } as Record<string, string>,
    card: 'Номер карты',
    cancel: 'Отмена',
    personas: {
      'seller-one': 'Продавец один (Анна, 3 магазина)',
      'seller-two': 'Продавец два (Борис, 2 магазина)',
      admin: 'Администратор (Ольга)',
      'new-user': 'Новый пользователь',
    } as Record<PersonaId, string>,
    intro: {
      'seller-one':
        'Отправьте /start, выберите «Продавец» и вставьте первый ключ. «Добавить магазин» примет остальные.',
      'seller-two': 'Отправьте /start, выберите «Продавец» и вставьте ключ.',
      admin: 'Отправьте /start, выберите «Администратор», затем имя и пароль (панель принимает их же).',
      'new-user':
        'Новые пользователи сначала платят: /start, «Продавец», ключ, затем «Подписка» → «Оплатить».',
    } as Record<PersonaId, string>,
    copy: 'Копировать',
    copied: 'Скопировано',
    panelCreds: (u: string, p: string) => `логин ${u}, пароль ${p}`,
    empty: 'Сообщений пока нет. Отправьте /start.',
    edited: 'изменено',
    pay: (sum: string) => `Заплатить ${sum}`,
    payTitle: 'Оплата (тестовый провайдер)',
    cardHint: (ok: string, no: string) => `${ok} проходит; ${no} отклоняется.`,
    paid: 'Оплачено. Бот подтвердит в чате.',
    declined: 'Карта отклонена. Деньги не списаны.',
    refused: (why: string) => `Бот отклонил платёж: ${why}`,
    noAnswer: 'Бот не подтвердил вовремя. Деньги не списаны.',
    paying: 'Оплата…',
    paidMessage: (sum: string) => `Вы заплатили ${sum}`,
    photo: 'Фото',
    document: 'Документ',
    invoice: 'Счёт',
    noAnswerPress: 'Бот не ответил.',
    offline: 'Связь потеряна, переподключение…',
    failed: 'Не отправлено: ',
  },
};
type Words = (typeof T)['en'];

const $ = <E extends HTMLElement>(id: string): E => document.getElementById(id) as E;

const state = {
  setup: undefined as Setup | undefined,
  persona: (sessionStorage.getItem('persona') as PersonaId | null) ?? 'seller-one',
  lang: (sessionStorage.getItem('lang') as Lang | null) ?? 'ru',
  userId: 0,
  events: undefined as EventSource | undefined,
  drawn: new Map<number, { key: string; el: HTMLElement }>(),
  /** Photos this tab sent: shown from the file itself (the emulator keeps no bytes). */
  previews: new Map<number, string>(),
  invoice: undefined as Message | undefined,
  /** The chat as last streamed. */
  last: undefined as Message[] | undefined,
  forum: undefined as Forum | undefined,
  forumEvents: undefined as EventSource | undefined,
  /** The topic the pane shows, and the message the operator is replying to. */
  topic: undefined as number | undefined,
  replyTo: undefined as number | undefined,
  topicKey: '',
};
const w = (): Words => T[state.lang];

async function api<R>(path: string, body?: unknown): Promise<R> {
  const res = await fetch(`/demo/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as R & { error?: string };
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

// ---------------------------------------------------------------- formatting

function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(state.lang === 'ru' ? 'ru-RU' : 'en-GB', {
      style: 'currency',
      currency,
    }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

function time(unix: number): string {
  return new Date(unix * 1000).toLocaleTimeString(state.lang === 'ru' ? 'ru-RU' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
  });
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;
}

const ENTITY_TAGS: Record<string, string> = {
  bold: 'strong',
  italic: 'em',
  underline: 'u',
  strikethrough: 's',
  code: 'code',
  pre: 'pre',
  spoiler: 'span',
  blockquote: 'blockquote',
  text_link: 'a',
  url: 'a',
  bot_command: 'span',
};

/** Text with Telegram's entities (UTF-16 offsets, nested), built as DOM nodes: no HTML is parsed. */
function formatted(text: string, entities: Entity[] = [], from = 0, to = text.length): DocumentFragment {
  const out = document.createDocumentFragment();
  const inside = entities
    .filter((e) => e.offset >= from && e.offset + e.length <= to)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let at = from;
  let i = 0;
  while (i < inside.length) {
    const e = inside[i];
    const end = e.offset + e.length;
    if (e.offset < at) {
      i++;
      continue;
    }
    out.append(text.slice(at, e.offset));
    const tag = ENTITY_TAGS[e.type];
    const nested = inside.filter((n) => n !== e && n.offset >= e.offset && n.offset + n.length <= end);
    const children = formatted(text, nested, e.offset, end);
    if (tag) {
      const el = document.createElement(tag);
      if (e.type === 'spoiler') el.className = 'spoiler';
      if (e.type === 'bot_command') el.className = 'command';
      if (tag === 'a') {
        const href = e.type === 'url' ? text.slice(e.offset, end) : (e.url ?? '');
        if (/^https?:\/\//.test(href)) {
          (el as HTMLAnchorElement).href = href;
          (el as HTMLAnchorElement).rel = 'noopener noreferrer';
          (el as HTMLAnchorElement).target = '_blank';
        }
      }
      el.append(children);
      out.append(el);
    } else out.append(children);
    at = end;
    i++;
  }
  out.append(text.slice(at, to));
  return out;
}

// ---------------------------------------------------------------- the chat

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function bubble(m: Message): HTMLElement {
  const item = el('li', `msg ${m.from_bot ? 'in' : 'out'}`);
  item.dataset.id = String(m.message_id);
  const box = el('div', 'bubble');
  item.append(box);
  if (m.photo) {
    const preview = state.previews.get(m.message_id);
    if (preview) {
      const img = el('img', 'photo');
      img.src = preview;
      img.alt = m.text ?? w().photo;
      box.append(img);
    } else box.append(el('p', 'file', `${w().photo} ${m.photo.width}×${m.photo.height}`));
  }
  if (m.document) {
    box.append(
      el('p', 'file', `${w().document}: ${m.document.file_name ?? ''} ${size(m.document.file_size)}`.trim()),
    );
  }
  if (m.invoice) {
    const inv = m.invoice;
    box.classList.add('invoice');
    box.append(el('p', 'title', inv.title), el('p', '', inv.description));
    box.append(el('p', 'sum', `${money(inv.total_amount, inv.currency)} · ${w().invoice}`));
  }
  if (m.successful_payment) {
    const p = m.successful_payment;
    box.append(el('p', 'service', w().paidMessage(money(p.total_amount, p.currency))));
    item.className = 'msg service-line';
  }
  if (m.text !== undefined && !m.invoice) {
    const p = el('div', 'text');
    p.append(formatted(m.text, m.entities));
    box.append(p);
  }
  const meta = el('span', 'meta', `${m.edited ? `${w().edited} ` : ''}${time(m.date)}`);
  box.append(meta);

  const rows = m.reply_markup?.inline_keyboard ?? (m.invoice ? [[{ text: '', pay: true }]] : []);
  if (rows.length) {
    const kb = el('div', 'keyboard');
    kb.setAttribute('role', 'group');
    for (const row of rows) {
      const r = el('div', 'row');
      for (const b of row) r.append(keyButton(m, b));
      kb.append(r);
    }
    item.append(kb);
  }
  return item;
}

function keyButton(m: Message, b: Button): HTMLElement {
  if (b.url) {
    const a = el('a', 'key', `${b.text} ↗`);
    a.href = b.url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  const label =
    b.pay && m.invoice ? b.text || w().pay(money(m.invoice.total_amount, m.invoice.currency)) : b.text;
  const button = el('button', 'key', label);
  button.type = 'button';
  button.addEventListener('click', () => {
    if (b.pay) openPayment(m);
    else if (b.callback_data !== undefined) void press(m.message_id, b.callback_data, button);
  });
  return button;
}

function draw(messages: Message[]): void {
  state.last = messages;
  const list = $<HTMLOListElement>('messages');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const seen = new Set<number>();
  let previous: HTMLElement | undefined;
  for (const m of messages) {
    seen.add(m.message_id);
    const key = JSON.stringify(m) + (state.previews.has(m.message_id) ? 'p' : '') + state.lang;
    const have = state.drawn.get(m.message_id);
    let node: HTMLElement;
    if (have && have.key === key) node = have.el;
    else {
      node = bubble(m);
      if (have) have.el.replaceWith(node);
      state.drawn.set(m.message_id, { key, el: node });
    }
    if (
      node.parentElement !== list ||
      (previous ? previous.nextSibling !== node : list.firstChild !== node)
    ) {
      if (previous) previous.after(node);
      else list.prepend(node);
    }
    previous = node;
  }
  for (const [id, { el: node }] of state.drawn) {
    if (!seen.has(id)) {
      node.remove();
      state.drawn.delete(id);
    }
  }
  list.querySelector('.empty')?.remove();
  if (!messages.length) list.append(el('li', 'empty', w().empty));
  if (nearBottom || messages.length <= 3) list.scrollTop = list.scrollHeight;
  const open = state.invoice;
  if (open && !messages.some((m) => m.message_id === open.message_id)) closePayment();
}

let toastTimer: number | undefined;
function toast(text: string): void {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (t.hidden = true), 2500);
}

function alertBox(text: string): void {
  const d = $<HTMLDialogElement>('alert');
  $('alert-text').textContent = text;
  if (!d.open) d.showModal();
}

async function press(messageId: number, data: string, button: HTMLButtonElement): Promise<void> {
  button.classList.add('busy');
  button.setAttribute('aria-busy', 'true');
  try {
    const a = await api<{ answered: boolean; text?: string; show_alert?: boolean }>(
      `/chats/${state.userId}/press`,
      { message_id: messageId, data },
    );
    if (!a.answered) toast(w().noAnswerPress);
    else if (a.text && a.show_alert) alertBox(a.text);
    else if (a.text) toast(a.text);
  } catch (e) {
    toast(w().failed + (e as Error).message);
  } finally {
    button.classList.remove('busy');
    button.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------- payment

function openPayment(m: Message): void {
  if (!m.invoice || !state.setup) return;
  state.invoice = m;
  const sum = money(m.invoice.total_amount, m.invoice.currency);
  $('payment-title').textContent = w().payTitle;
  $('payment-what').textContent = `${m.invoice.title}: ${m.invoice.description}`;
  $('payment-sum').textContent = sum;
  $('card-hint').textContent = w().cardHint(state.setup.cards.ok, state.setup.cards.declined);
  $<HTMLInputElement>('card').value = state.setup.cards.ok;
  $('payment-result').textContent = '';
  const pay = $<HTMLButtonElement>('payment-pay');
  pay.textContent = w().pay(sum);
  pay.disabled = false;
  $<HTMLDialogElement>('payment').showModal();
  $<HTMLInputElement>('card').select();
}

function closePayment(): void {
  state.invoice = undefined;
  const d = $<HTMLDialogElement>('payment');
  if (d.open) d.close();
}

async function submitPayment(): Promise<void> {
  const m = state.invoice;
  if (!m) return;
  const pay = $<HTMLButtonElement>('payment-pay');
  const result = $('payment-result');
  pay.disabled = true;
  result.textContent = w().paying;
  try {
    const r = await api<{ ok: boolean; declined?: boolean; timedOut?: boolean; errorMessage?: string }>(
      `/chats/${state.userId}/pay`,
      { message_id: m.message_id, card: $<HTMLInputElement>('card').value },
    );
    if (r.ok) {
      result.textContent = w().paid;
      window.setTimeout(closePayment, 800);
      return;
    }
    result.textContent = r.declined
      ? w().declined
      : r.timedOut
        ? w().noAnswer
        : w().refused(r.errorMessage ?? '');
  } catch (e) {
    result.textContent = w().failed + (e as Error).message;
  }
  pay.disabled = false;
}

// ---------------------------------------------------------------- sending

async function sendText(text: string): Promise<void> {
  if (!text.trim()) return;
  try {
    await api(`/chats/${state.userId}/messages`, { text });
  } catch (e) {
    toast(w().failed + (e as Error).message);
  }
}

async function sendFile(file: File, caption: string): Promise<void> {
  const photo = file.type.startsWith('image/') && file.type !== 'image/svg+xml';
  try {
    const body = photo
      ? { kind: 'photo', ...(caption ? { caption } : {}) }
      : {
          kind: 'document',
          name: file.name,
          size: file.size,
          mime: file.type,
          ...(caption ? { caption } : {}),
        };
    const r = await api<{ message_id: number }>(`/chats/${state.userId}/files`, body);
    if (photo) {
      state.previews.set(r.message_id, URL.createObjectURL(file));
      // The message may be drawn already (the stream can be quicker than this answer): redraw it.
      if (state.last) draw(state.last);
    }
  } catch (e) {
    toast(w().failed + (e as Error).message);
  }
}

// ---------------------------------------------------------------- the operator's pane

const TOPIC_COLORS: Record<number, string> = {
  0x6fb9f0: '#6fb9f0',
  0xffd67e: '#ffd67e',
  0xcb86db: '#cb86db',
  0x8eee98: '#8eee98',
  0xff93b2: '#ff93b2',
  0xfb6f5f: '#fb6f5f',
};

function shortText(m: Message): string {
  if (m.service) return w().service[m.service] ?? m.service;
  const media = m.photo ? `${w().photo}` : m.document ? `${w().document}: ${m.document.file_name ?? ''}` : '';
  return [media, m.text ?? ''].filter(Boolean).join(' · ').slice(0, 100);
}

function forumBubble(m: Message, all: Message[]): HTMLElement {
  if (m.service) {
    const item = el('li', 'msg service-line');
    item.dataset.id = String(m.message_id);
    item.append(el('p', 'service', shortText(m)));
    return item;
  }
  const item = el('li', `msg ${m.from_bot ? 'in' : 'out'}`);
  item.dataset.id = String(m.message_id);
  const box = el('div', 'bubble');
  item.append(box);
  if (m.from_bot) box.append(el('span', 'who', state.setup?.bot.first_name ?? 'bot'));
  else if (m.from_name) box.append(el('span', 'who', m.from_name));
  if (m.reply_to_message_id !== undefined) {
    const quoted = all.find((q) => q.message_id === m.reply_to_message_id);
    if (quoted) box.append(el('p', 'quote', shortText(quoted)));
  }
  if (m.photo) box.append(el('p', 'file', `🖼 ${w().photo} ${m.photo.width}×${m.photo.height}`));
  if (m.document) {
    const d = m.document;
    box.append(el('p', 'file', `📎 ${w().document}: ${d.file_name ?? ''} ${size(d.file_size)}`.trim()));
  }
  if (m.text !== undefined) {
    const p = el('div', 'text');
    p.append(formatted(m.text, m.entities));
    box.append(p);
  }
  box.append(el('span', 'meta', `${m.edited ? `${w().edited} ` : ''}${time(m.date)}`));
  const reply = el('button', 'msg-reply', w().reply);
  reply.type = 'button';
  reply.setAttribute('aria-label', `${w().reply}: ${shortText(m)}`);
  reply.addEventListener('click', () => {
    state.replyTo = m.message_id;
    drawReplyBar();
    $('op-text').focus();
  });
  box.append(' ', reply);
  return item;
}

function drawReplyBar(): void {
  const messages = state.forum?.messages[String(state.topic)] ?? [];
  const target = messages.find((m) => m.message_id === state.replyTo);
  if (!target) state.replyTo = undefined;
  $('reply-bar').hidden = !target;
  $('reply-what').textContent = target ? w().replyTo(shortText(target)) : '';
}

function drawForum(): void {
  const forum = state.forum;
  if (!forum || !state.setup?.forum) return;
  $('forum').hidden = false;
  const topics = forum.topics;
  if (state.topic === undefined || !topics.some((t) => t.id === state.topic)) state.topic = topics[0]?.id;
  $('topics-empty').hidden = topics.length > 0;
  const list = $('topics');
  const focused = (document.activeElement as HTMLElement | null)?.dataset.topic;
  list.replaceChildren(
    ...topics.map((t) => {
      const li = el('li');
      const b = el('button', 'topic-item');
      b.type = 'button';
      b.dataset.topic = String(t.id);
      b.setAttribute('aria-current', String(t.id === state.topic));
      const name = el('span', 'name');
      const dot = el('span', 'dot');
      dot.style.background = TOPIC_COLORS[t.icon_color] ?? '#6fb9f0';
      name.append(dot, el('span', 'title', t.name));
      if (t.date !== undefined) name.append(el('span', 'when', time(t.date)));
      b.append(name);
      const line = el('span', 'preview');
      if (t.closed) line.append(el('span', 'closed-mark', `🔒 ${w().closed}`), ' ');
      line.append(t.preview ?? '');
      b.append(line);
      b.addEventListener('click', () => {
        state.topic = t.id;
        state.replyTo = undefined;
        drawForum();
      });
      li.append(b);
      return li;
    }),
  );
  if (focused) list.querySelector<HTMLElement>(`[data-topic="${focused}"]`)?.focus();

  const topic = topics.find((t) => t.id === state.topic);
  $('topic').hidden = !topic;
  if (!topic) return;
  $('topic-title').textContent = topic.name;
  $('topic-state').textContent = topic.closed ? `🔒 ${w().closed}` : '';
  $('topic-close').hidden = topic.closed;
  $('topic-reopen').hidden = !topic.closed;
  const messages = forum.messages[String(topic.id)] ?? [];
  const key = JSON.stringify([topic.id, messages, state.lang]);
  if (key !== state.topicKey) {
    const box = $('forum-messages');
    const sameTopic = state.topicKey.startsWith(`[${topic.id},`);
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    state.topicKey = key;
    box.replaceChildren(...messages.map((m) => forumBubble(m, messages)));
    if (!sameTopic || nearBottom) box.scrollTop = box.scrollHeight;
  }
  drawReplyBar();
}

async function operatorSays(text: string): Promise<void> {
  if (!text.trim() || state.topic === undefined) return;
  const replyTo = state.replyTo;
  state.replyTo = undefined;
  drawReplyBar();
  try {
    await api('/forum/messages', {
      thread: state.topic,
      text,
      ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
    });
  } catch (e) {
    toast(w().failed + (e as Error).message);
  }
}

async function setTopicClosed(closed: boolean): Promise<void> {
  if (state.topic === undefined) return;
  try {
    await api('/forum/topic-state', { thread: state.topic, closed });
  } catch (e) {
    toast(w().failed + (e as Error).message);
  }
}

function listenForum(): void {
  state.forumEvents?.close();
  const events = new EventSource('/demo/api/forum/events');
  state.forumEvents = events;
  events.addEventListener('forum', (e) => {
    state.forum = JSON.parse((e as MessageEvent<string>).data) as Forum;
    drawForum();
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) window.setTimeout(listenForum, 1000);
  });
}

function setUpForum(): void {
  const forum = state.setup?.forum;
  if (!forum) {
    $('forum-none').hidden = false;
    return;
  }
  $('operator-title').textContent = forum.title;
  listenForum();
  const input = $<HTMLTextAreaElement>('op-text');
  $('op-composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = '';
    void operatorSays(text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $<HTMLFormElement>('op-composer').requestSubmit();
    } else if (e.key === 'Escape' && state.replyTo !== undefined) {
      state.replyTo = undefined;
      drawReplyBar();
    }
  });
  $('reply-cancel').addEventListener('click', () => {
    state.replyTo = undefined;
    drawReplyBar();
    input.focus();
  });
  $('topic-close').addEventListener('click', () => void setTopicClosed(true));
  $('topic-reopen').addEventListener('click', () => void setTopicClosed(false));
  $('topic-ban').addEventListener('click', () => void operatorSays('/ban'));
  $('topic-unban').addEventListener('click', () => void operatorSays('/unban'));
}

// ---------------------------------------------------------------- who am I

function translate(): void {
  document.documentElement.lang = state.lang;
  const words = w() as unknown as Record<string, unknown>;
  for (const node of document.querySelectorAll<HTMLElement>('[data-t]')) {
    const v = words[node.dataset.t ?? ''];
    if (typeof v === 'string') node.textContent = v;
  }
  $<HTMLTextAreaElement>('composer-text').placeholder = w().message;
  $<HTMLTextAreaElement>('op-text').placeholder = w().message;
  const forum = state.setup?.forum;
  if (forum) $('forum-sub').textContent = w().forumSub(forum.operator);
  state.topicKey = '';
  drawForum();
  const select = $<HTMLSelectElement>('persona');
  select.replaceChildren(
    ...(state.setup?.personas ?? []).map((p) => {
      const o = el('option', '', w().personas[p.id]);
      o.value = p.id;
      o.selected = p.id === state.persona;
      return o;
    }),
  );
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name=lang]'))
    r.checked = r.value === state.lang;
  const setup = state.setup;
  if (!setup) return;
  $<HTMLAnchorElement>('panel-link').href = setup.panel.path;
  $('panel-creds').textContent = `(${w().panelCreds(setup.panel.username, setup.panel.password)})`;
  $('hint-intro').textContent = w().intro[state.persona];
  const persona = setup.personas.find((p) => p.id === state.persona);
  const list = $('secrets');
  list.replaceChildren();
  for (const s of persona?.secrets ?? []) {
    const dd = el('dd');
    const code = el('code', '', s.value);
    const copy = el('button', 'copy', w().copy);
    copy.type = 'button';
    copy.addEventListener('click', () => {
      // The clipboard needs a secure origin (127.0.0.1 is one); elsewhere the key is selected to copy.
      if (navigator.clipboard) void navigator.clipboard.writeText(s.value).then(() => toast(w().copied));
      else window.getSelection()?.selectAllChildren(code);
    });
    dd.append(code, ' ', copy);
    list.append(el('dt', '', s.label[state.lang]), dd);
  }
  const commands = setup.commands[state.lang].length ? setup.commands[state.lang] : setup.commands.default;
  $('commands').replaceChildren(
    ...commands.map((c) => {
      const li = el('li');
      const b = el('button', 'command-item');
      b.type = 'button';
      b.append(el('span', 'command', `/${c.command}`), ' ', el('span', 'muted', c.description));
      b.addEventListener('click', () => {
        toggleCommands(false);
        void sendText(`/${c.command}`);
        $('composer-text').focus();
      });
      li.append(b);
      return li;
    }),
  );
}

function toggleCommands(open: boolean): void {
  $('commands').hidden = !open;
  $('menu-button').setAttribute('aria-expanded', String(open));
  if (open) $('commands').querySelector('button')?.focus();
}

let becoming = 0;
async function become(): Promise<void> {
  // Arrow keys on the picker change it at every press: only the last choice counts.
  const turn = ++becoming;
  sessionStorage.setItem('persona', state.persona);
  sessionStorage.setItem('lang', state.lang);
  const stored = Number(sessionStorage.getItem('newUserId')) || undefined;
  const me = await api<{ id: number; firstName: string }>('/users', {
    persona: state.persona,
    language: state.lang,
    ...(state.persona === 'new-user' && stored ? { id: stored } : {}),
  });
  if (turn !== becoming) return;
  if (state.persona === 'new-user') sessionStorage.setItem('newUserId', String(me.id));
  translate();
  if (me.id !== state.userId) {
    state.userId = me.id;
    for (const { el: node } of state.drawn.values()) node.remove();
    state.drawn.clear();
    state.last = undefined;
    listen();
  }
  document.title = `${me.firstName} · market-bot sandbox`;
  // Who this tab is now (tests wait for it before typing).
  document.body.dataset.persona = state.persona;
  document.body.dataset.lang = state.lang;
}

function listen(): void {
  state.events?.close();
  const events = new EventSource(`/demo/api/chats/${state.userId}/events`);
  state.events = events;
  events.addEventListener('chat', (e) => {
    $('toast').hidden = $('toast').textContent === w().offline ? true : $('toast').hidden;
    draw(JSON.parse((e as MessageEvent<string>).data) as Message[]);
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) {
      // The sandbox restarted and forgot this user: become them again.
      window.setTimeout(() => void become().catch(() => toast(w().offline)), 1000);
    } else toast(w().offline);
  });
}

async function main(): Promise<void> {
  // What to type is open where there is room for it.
  if (window.matchMedia('(min-width: 761px)').matches) $<HTMLDetailsElement>('hints').open = true;
  state.setup = await api<Setup>('/setup');
  $('chat-title').textContent = state.setup.bot.first_name;
  translate();
  setUpForum();
  await become();

  $('persona').addEventListener('change', (e) => {
    state.persona = (e.target as HTMLSelectElement).value as PersonaId;
    void become();
  });
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name=lang]')) {
    r.addEventListener('change', () => {
      state.lang = r.value as Lang;
      void become();
    });
  }
  const input = $<HTMLTextAreaElement>('composer-text');
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = '';
    void sendText(text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $<HTMLFormElement>('composer').requestSubmit();
    }
  });
  $('menu-button').addEventListener('click', () => toggleCommands($('commands').hidden));
  $('commands').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      toggleCommands(false);
      $('menu-button').focus();
    }
  });
  const file = $<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const caption = input.value;
    input.value = '';
    file.value = '';
    void sendFile(chosen, caption);
  });
  $('payment-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitPayment();
  });
  $('payment-cancel').addEventListener('click', closePayment);
  $('payment').addEventListener('close', () => (state.invoice = undefined));
}

void main().catch((e: unknown) => {
  const list = $('messages');
  list.replaceChildren(el('li', 'empty', `The sandbox did not answer: ${(e as Error).message}`));
});
