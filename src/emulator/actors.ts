/**
 * The actors: simulated Telegram users who type, edit, press, pay and block the bot, and group
 * chats. They change the shared state the way a Telegram client would and queue the updates.
 */
import { asReplied, markAction, pressError, textFields, userMessage, view, waitForMessage } from './chats.js';
import { newMedia, type FileOptions, type MediaKind } from './media.js';
import { answerOf, newCallbackQuery } from './methods/callbacks.js';
import { nextChargeId, preCheckout } from './methods/payments.js';
import type {
  ButtonMatcher,
  CallbackAnswer,
  MessageMatcher,
  PayOptions,
  PayResult,
  PressResult,
} from './options.js';
import { buttonRows, isInlineMarkup, textMatches } from './params.js';
import type { ChatState, EmulatorState, StoredMessage } from './state.js';
import { settle } from './settle.js';
import type { BotMessageView, InlineKeyboardButton, TgMessage, TgUser, UserMessageView } from './types.js';

/** One media message a user or an operator sends: its type, caption and file options. */
export type MediaItem = FileOptions & { type: MediaKind; caption?: string };

export function newMediaGroupId(s: EmulatorState): string {
  return String(13_500_000_000_000_000n + BigInt(++s.mediaGroupSeq));
}

/** The fields of a new media message (its file registered with Telegram). */
export function mediaFields(s: EmulatorState, item: MediaItem): Partial<TgMessage> {
  return {
    [item.type]: newMedia(s, item.type, item),
    ...(item.caption !== undefined && item.type !== 'sticker' && item.type !== 'video_note'
      ? { caption: item.caption }
      : {}),
  };
}

export function pollFields(s: EmulatorState, question: string, options: string[]): Partial<TgMessage> {
  return {
    poll: {
      id: String(5_000_000_000_000 + ++s.fileSeq),
      question,
      options: options.map((text) => ({ text, voter_count: 0 })),
      total_voter_count: 0,
      is_closed: false,
      is_anonymous: true,
      type: 'regular',
      allows_multiple_answers: false,
    },
  };
}

export function diceFields(emoji: string): Partial<TgMessage> {
  const max = emoji === '🎰' ? 64 : emoji === '🎯' || emoji === '🎲' || emoji === '🎳' ? 6 : 5;
  return { dice: { emoji, value: 1 + Math.floor(Math.random() * max) } };
}

/** A human edits their own message (text, or caption): an `edited_message` update. */
export function editOwn(
  s: EmulatorState,
  chat: ChatState,
  from: TgUser,
  messageId: number,
  newText: string,
): TgMessage {
  const stored = chat.messages.get(messageId);
  const m = stored?.message;
  const editable = m && (m.text !== undefined || (stored.kind !== 'sticker' && stored.kind !== 'poll'));
  if (!stored || !m || stored.fromBot || stored.deleted || m.from?.id !== from.id || !editable) {
    throw new Error(`edit: #${messageId} is not an editable message of user ${from.id}`);
  }
  markAction(chat);
  if (m.text !== undefined) m.text = newText;
  else m.caption = newText;
  m.edit_date = s.unixNow();
  stored.edits++;
  s.enqueue({ edited_message: structuredClone(m) });
  return structuredClone(m);
}

/** Picks a label from the bot's text catalogue, e.g. `(t) => t.buttonShops`. */
export type LabelPicker<T> = (texts: T) => string;

export class TestUser<T = unknown> {
  constructor(
    private readonly s: EmulatorState,
    private readonly state: ChatState,
    /** The user as Telegram describes them in updates. */
    public info: TgUser,
    private readonly texts?: (languageCode: string | undefined) => T,
  ) {}

  get id(): number {
    return this.info.id;
  }

  get chatId(): number {
    return this.state.chat.id;
  }

  /** Queues a `message` update from this user in their private chat. */
  send(text: string): TgMessage {
    if (this.state.blocked) this.unblockBot();
    return userMessage(this.s, this.state, this.info, textFields(text), 'text');
  }

  /** Edits one of this user's messages (the text, or a media message's caption) and queues an `edited_message` update. */
  edit(messageId: number, newText: string): TgMessage {
    return editOwn(this.s, this.state, this.info, messageId, newText);
  }

  sendSticker(emoji = '👍'): TgMessage {
    return this.sendMedia({ type: 'sticker', emoji });
  }

  sendPhoto(caption?: string): TgMessage {
    return this.sendMedia({ type: 'photo', caption });
  }

  /** A document (default a small PDF); `size` over 20 MB makes a file bots can't download. */
  sendDocument(opts: FileOptions & { caption?: string } = {}): TgMessage {
    return this.sendMedia({ type: 'document', ...opts });
  }

  sendVoice(opts: FileOptions & { caption?: string } = {}): TgMessage {
    return this.sendMedia({ type: 'voice', ...opts });
  }

  sendVideo(opts: FileOptions & { caption?: string } = {}): TgMessage {
    return this.sendMedia({ type: 'video', ...opts });
  }

  /** Any media message: a photo, a document, a voice note, a video, a sticker… */
  sendMedia(item: MediaItem): TgMessage {
    if (this.state.blocked) this.unblockBot();
    return userMessage(this.s, this.state, this.info, mediaFields(this.s, item), item.type);
  }

  /** An album: one `message` update per item, all with one media_group_id (caption on the items given). */
  sendAlbum(items: MediaItem[]): TgMessage[] {
    if (this.state.blocked) this.unblockBot();
    const group = newMediaGroupId(this.s);
    return items.map((item) =>
      userMessage(
        this.s,
        this.state,
        this.info,
        { ...mediaFields(this.s, item), media_group_id: group },
        item.type,
      ),
    );
  }

  sendPoll(question: string, options: string[]): TgMessage {
    return userMessage(this.s, this.state, this.info, pollFields(this.s, question, options), 'poll');
  }

  /**
   * Presses a contact-request button ("request_contact") of the bot's newest message that has one,
   * sharing this user's own phone number, as Telegram does; throws when no such button was shown.
   */
  shareContact(phone: string): TgMessage {
    const asked = this.state.botMessages.some((m) => {
      const rows = (m.message.reply_markup as { keyboard?: { request_contact?: boolean }[][] } | undefined)
        ?.keyboard;
      return !m.deleted && (rows ?? []).some((row) => row.some((b) => b.request_contact === true));
    });
    if (!asked) throw new Error(`user ${this.id}: the bot showed no contact-request button`);
    if (this.state.blocked) this.unblockBot();
    const contact = {
      phone_number: phone,
      first_name: this.info.first_name,
      ...(this.info.last_name ? { last_name: this.info.last_name } : {}),
      user_id: this.id,
    };
    return userMessage(this.s, this.state, this.info, { contact }, 'contact');
  }

  sendDice(emoji = '🎲'): TgMessage {
    return userMessage(this.s, this.state, this.info, diceFields(emoji), 'dice');
  }

  /** A text that replies to a message in this chat (the bot's or the user's own). */
  reply(messageId: number, text: string): TgMessage {
    const target = this.state.messages.get(messageId);
    if (!target || target.deleted) throw new Error(`reply: no message #${messageId} in chat ${this.chatId}`);
    return userMessage(
      this.s,
      this.state,
      this.info,
      { ...textFields(text), reply_to_message: asReplied(target.message) },
      'text',
    );
  }

  /** The catalogue text `pick` chooses, in this user's language (needs the emulator's `texts`). */
  label(pick: LabelPicker<T>): string {
    if (!this.texts)
      throw new Error('label: the emulator was created without a text catalogue (texts option)');
    return pick(this.texts(this.info.language_code));
  }

  /** press() by the button's catalogue text in this user's language: `pressKey((t) => t.buttonShops)`. */
  pressKey(pick: LabelPicker<T>, opts: { messageId?: number } = {}): PressResult {
    return this.press(this.label(pick), opts);
  }

  /**
   * Presses an inline callback button found by its text (exact string, RegExp or predicate) on
   * `messageId`, or by default on the newest bot message in this chat that has such a button.
   */
  press(button: ButtonMatcher, opts: { messageId?: number } = {}): PressResult {
    const matches = (b: InlineKeyboardButton): boolean =>
      typeof button === 'string'
        ? b.text === button
        : button instanceof RegExp
          ? textMatches(button, b.text)
          : button(b);
    const candidates =
      opts.messageId !== undefined
        ? [this.state.messages.get(opts.messageId)].filter(
            (m): m is StoredMessage => m !== undefined && m.fromBot,
          )
        : this.state.botMessages;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const m = candidates[i];
      if (m.deleted || !isInlineMarkup(m.message.reply_markup)) continue;
      for (const row of m.message.reply_markup.inline_keyboard) {
        for (const b of row) {
          if (!matches(b)) continue;
          if (b.callback_data === undefined) {
            throw new Error(
              `press: button [${b.text}] on #${m.message.message_id} is not a callback button` +
                (b.pay ? ' (use pay() for an invoice)' : ''),
            );
          }
          return newCallbackQuery(this.s, this.state, this.info, m, b.callback_data);
        }
      }
    }
    throw pressError(this.state, button, opts.messageId);
  }

  /** Queues a callback_query with any data (forged or stale) on an existing bot message. */
  pressData(messageId: number, data: string): PressResult {
    const m = this.state.messages.get(messageId);
    if (!m || !m.fromBot)
      throw new Error(`pressData: #${messageId} is not a bot message in chat ${this.chatId}`);
    return newCallbackQuery(this.s, this.state, this.info, m, data);
  }

  /** The bot's answerCallbackQuery for this query. */
  answerOf(queryId: string, timeoutMs = 5000): Promise<CallbackAnswer> {
    return answerOf(this.s, queryId, timeoutMs);
  }

  /** The bot's messages in this chat, in order, in their current state (deleted ones flagged). */
  chat(): BotMessageView[] {
    return this.state.botMessages.map(view);
  }

  /** The newest bot message that is not deleted. */
  lastBotMessage(): BotMessageView | undefined {
    for (let i = this.state.botMessages.length - 1; i >= 0; i--) {
      const m = this.state.botMessages[i];
      if (!m.deleted) return view(m);
    }
    return undefined;
  }

  /** Rows of button texts of `messageId`, or of the newest bot message that is not deleted. */
  buttons(messageId?: number): string[][] {
    if (messageId === undefined) return this.lastBotMessage()?.buttons ?? [];
    const m = this.state.messages.get(messageId);
    return m ? buttonRows(m.message.reply_markup) : [];
  }

  /**
   * Resolves with the first bot message in this chat, sent or edited after this user's most recent
   * action (send, edit, press, pay), that matches: a RegExp on the text, a string the text
   * includes, or a predicate on the message view. Already-arrived messages count.
   */
  waitForMessage(matcher: MessageMatcher, timeoutMs = 5000): Promise<BotMessageView> {
    return waitForMessage(this.s, this.state, matcher, timeoutMs);
  }

  /** See TelegramEmulator.settle(): the whole emulator is idle, not only this chat. */
  waitForIdle(quietMs = 150, timeoutMs = 10000): Promise<void> {
    return settle(this.s, quietMs, timeoutMs);
  }

  userMessages(): UserMessageView[] {
    return this.state.userMessages.map((m) => ({
      message_id: m.message.message_id,
      chat_id: m.message.chat.id,
      kind: m.kind === 'invoice' ? 'text' : m.kind,
      ...(m.message.text !== undefined ? { text: m.message.text } : {}),
      deleted: m.deleted,
      edits: m.edits,
      date: m.message.date,
    }));
  }

  /**
   * Pays the newest (or the given) invoice: queues a pre_checkout_query, waits for the bot's answer
   * and, if it accepted, queues the `successful_payment` message.
   */
  async pay(invoiceMessageId?: number, opts: PayOptions = {}): Promise<PayResult> {
    let stored: StoredMessage | undefined;
    if (invoiceMessageId !== undefined) {
      stored = this.state.messages.get(invoiceMessageId);
    } else {
      for (let i = this.state.botMessages.length - 1; i >= 0 && !stored; i--) {
        const m = this.state.botMessages[i];
        if (!m.deleted && m.message.invoice) stored = m;
      }
    }
    const invoice = stored?.message.invoice;
    if (!stored || !invoice || stored.deleted) {
      throw new Error(
        `pay: ${invoiceMessageId !== undefined ? `#${invoiceMessageId} is not an invoice` : 'no invoice'} in chat ${this.chatId}`,
      );
    }
    markAction(this.state);
    const currency = opts.currency ?? invoice.currency;
    const totalAmount = opts.totalAmount ?? invoice.total_amount;
    const payload = opts.payload ?? stored.invoicePayload ?? '';
    const { id, answer } = preCheckout(
      this.s,
      this.state,
      { from: structuredClone(this.info), currency, total_amount: totalAmount, invoice_payload: payload },
      opts.timeoutMs,
    );
    const a = await answer;
    if (!a) return { ok: false, timedOut: true, preCheckoutQueryId: id };
    if (!a.ok) return { ok: false, errorMessage: a.error_message, preCheckoutQueryId: id };
    if (opts.declineCard) {
      return { ok: false, declined: true, errorMessage: 'Your card was declined.', preCheckoutQueryId: id };
    }
    const chargeId = opts.chargeId ?? nextChargeId(this.s);
    const providerChargeId = opts.providerChargeId ?? `provider_${chargeId}`;
    const successful_payment = {
      currency,
      total_amount: totalAmount,
      invoice_payload: payload,
      telegram_payment_charge_id: chargeId,
      provider_payment_charge_id: providerChargeId,
    };
    userMessage(this.s, this.state, this.info, { successful_payment }, 'successful_payment', false);
    return { ok: true, chargeId, providerChargeId, preCheckoutQueryId: id };
  }

  /** The user blocks the bot: sends and edits get 403, and the bot gets a my_chat_member update. */
  blockBot(): void {
    if (this.state.blocked) return;
    this.state.blocked = true;
    this.memberUpdate('member', 'kicked');
  }

  unblockBot(): void {
    if (!this.state.blocked) return;
    this.state.blocked = false;
    this.memberUpdate('kicked', 'member');
  }

  private memberUpdate(from: 'member' | 'kicked', to: 'member' | 'kicked'): void {
    const bot = this.s.botUser;
    const member = (status: 'member' | 'kicked') => ({
      user: structuredClone(bot),
      status,
      ...(status === 'kicked' ? { until_date: 0 } : {}),
    });
    this.s.enqueue({
      my_chat_member: {
        chat: structuredClone(this.state.chat),
        from: structuredClone(this.info),
        date: this.s.unixNow(),
        old_chat_member: member(from),
        new_chat_member: member(to),
      },
    });
  }
}

/** A group chat the bot is in, to check that it ignores (or handles) group messages. */
export class GroupChat {
  constructor(
    private readonly s: EmulatorState,
    private readonly state: ChatState,
    private readonly defaultFrom: TestUser<unknown>,
  ) {}

  get id(): number {
    return this.state.chat.id;
  }

  send(text: string, from: TestUser<unknown> = this.defaultFrom): TgMessage {
    return userMessage(this.s, this.state, from.info, textFields(text), 'text');
  }

  botMessages(): BotMessageView[] {
    return this.state.botMessages.map(view);
  }
}
