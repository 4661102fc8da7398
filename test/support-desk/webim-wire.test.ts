/**
 * Webim's wire format (src/support/channels/webim-wire.ts) against the fixtures, one per message
 * kind: what we send is exactly the fixture, what Webim sends reads as the channel expects. When the
 * account's Custom Channel document says otherwise, the fixtures and the module change together.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  callbackAuthorized,
  fileMessage,
  readAnswer,
  readCallback,
  stableMessageId,
  textMessage,
  visitorFields,
} from '../../src/support/channels/webim-wire.js';
import { parseWebimSettings } from '../../src/support/channels/webim.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`./fixtures/webim/${name}.json`, import.meta.url));
const json = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

const VISITOR = '6f1c2b9e-3a57-4d2e-9b61-0c8d5e7f4a10';
const card = {
  telegramId: 1_000_000_001,
  firstName: 'Ann',
  lastName: 'Lee',
  username: 'ann_tea',
  role: 'seller' as const,
  shops: ['Tea House', 'Green Leaf'],
  subscription: 'active until 2026-12-31',
};

describe('to Webim', () => {
  it('a visitor text: the card fields, never the Telegram id', () => {
    const body = textMessage(
      VISITOR,
      visitorFields(card),
      '0b9a7c3e-1d2f-5a4b-a8c9-112233445566',
      'Hello, my order is stuck',
    );
    expect(body).toEqual(json('to-webim-visitor'));
    expect(JSON.stringify(body)).not.toContain(String(card.telegramId));
  });

  it('a visitor file: our signed URL, its name, type and size', () => {
    const body = fileMessage(VISITOR, visitorFields(card), '7d6e5f4a-3b2c-5d1e-a0f9-8e7d6c5b4a39', {
      url: 'https://bot.example.com/support/files/eyJmIjoiQlFBQyJ9.c2lnbmF0dXJl',
      name: 'invoice.pdf',
      media_type: 'application/pdf',
      size: 120000,
    });
    expect(body).toEqual(json('to-webim-file-visitor'));
  });

  it('message ids are UUID-shaped and the same for the same item (a retry is recognisable)', () => {
    const a = stableMessageId(7, 1001, 55, 'text');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableMessageId(7, 1001, 55, 'text')).toBe(a);
    expect(stableMessageId(7, 1001, 56, 'text')).not.toBe(a);
  });

  it("Webim's answers: ok; 4xx and an error body given up; 429, 5xx and unreadable answers retried", () => {
    expect(readAnswer(200, fixture('answer-ok').toString())).toEqual({ ok: true });
    expect(readAnswer(200, fixture('answer-error').toString())).toEqual({
      ok: false,
      action: 'reject',
      detail: 'status 200 error chat_not_found: No chat with this id',
    });
    expect(readAnswer(400, fixture('answer-error').toString())).toMatchObject({ action: 'reject' });
    expect(readAnswer(401, '')).toMatchObject({ action: 'reject', detail: 'status 401' });
    expect(readAnswer(429, '', '30')).toEqual({
      ok: false,
      action: 'retry',
      detail: 'status 429',
      retryAfter: 30,
    });
    expect(readAnswer(502, '<html>bad gateway</html>')).toMatchObject({ action: 'retry' });
    expect(readAnswer(200, 'OK')).toMatchObject({ action: 'retry' });
    const long = readAnswer(500, 'x'.repeat(5000));
    expect(long.ok ? '' : long.detail).toBe(`status 500 body ${'x'.repeat(200)}…`);
  });
});

describe('from Webim', () => {
  it('an operator text', () => {
    expect(readCallback(fixture('from-webim-operator'))).toEqual({
      type: 'message',
      chatId: VISITOR,
      messageId: 'c5a1e2d3-4b5c-4d6e-8f70-a1b2c3d4e5f6',
      kind: 'operator',
      text: 'Hi! Which order?',
      operator: { id: '42', name: 'Olga K' },
    });
  });

  it('an operator file', () => {
    expect(readCallback(fixture('from-webim-file-operator'))).toMatchObject({
      type: 'message',
      kind: 'file_operator',
      file: {
        url: 'https://acme.webim.ru/l/v/m/download/abc123/label.png?hash=0f1e2d',
        name: 'label.png',
        media_type: 'image/png',
        size: 48213,
      },
    });
  });

  it('service kinds (info, operator_busy) read as messages of their kind', () => {
    expect(readCallback(fixture('from-webim-info'))).toMatchObject({ type: 'message', kind: 'info' });
    expect(readCallback(fixture('from-webim-operator-busy'))).toMatchObject({
      type: 'message',
      kind: 'operator_busy',
    });
  });

  it("visitor.id is read too, for when chat.id turns out to be Webim's own chat number", () => {
    const body = {
      event: 'new_message',
      chat: { id: 1017 },
      visitor: { id: VISITOR },
      message: { id: 'm', kind: 'operator', text: 'x' },
    };
    expect(readCallback(Buffer.from(JSON.stringify(body)))).toMatchObject({
      chatId: '1017',
      visitorId: VISITOR,
    });
  });

  it('chat_closed', () => {
    expect(readCallback(fixture('from-webim-chat-closed'))).toEqual({ type: 'closed', chatId: VISITOR });
  });

  it('broken bodies say what is wrong; other events are let through by name', () => {
    expect(readCallback(Buffer.from('not json'))).toEqual({
      type: 'invalid',
      reason: 'the body is not JSON',
    });
    expect(readCallback(Buffer.from('[]'))).toMatchObject({ type: 'invalid' });
    expect(readCallback(Buffer.from('{"event":"new_message","chat":{}}'))).toEqual({
      type: 'invalid',
      reason: 'no "chat.id"',
    });
    expect(
      readCallback(
        Buffer.from('{"event":"new_message","chat":{"id":"x"},"message":{"id":"1","kind":"operator"}}'),
      ),
    ).toMatchObject({ type: 'invalid' });
    expect(
      readCallback(
        Buffer.from(
          '{"event":"new_message","chat":{"id":"x"},"message":{"id":"1","kind":"file_operator","data":{}}}',
        ),
      ),
    ).toEqual({ type: 'invalid', reason: 'no "message.data.url"' });
    expect(readCallback(Buffer.from('{"event":"chat_assigned","chat":{"id":"x"}}'))).toEqual({
      type: 'other',
      event: 'chat_assigned',
      chatId: 'x',
    });
  });

  it('the callback token: exact, constant-time, "Token " prefixed', () => {
    const secret = 's'.repeat(24);
    expect(callbackAuthorized(`Token ${secret}`, secret)).toBe(true);
    expect(callbackAuthorized(`Token ${secret}x`, secret)).toBe(false);
    expect(callbackAuthorized(`Bearer ${secret}`, secret)).toBe(false);
    expect(callbackAuthorized(undefined, secret)).toBe(false);
  });
});

describe('the channel settings', () => {
  const good = {
    apiUrl: 'https://acme.webim.ru/api/custom',
    accessToken: 't',
    callbackSecret: 'c'.repeat(16),
  };
  it('are checked with a sentence that says what to fix', () => {
    expect(parseWebimSettings(good)).toEqual({ ...good, timeoutSeconds: 10 });
    expect(parseWebimSettings({ ...good, apiUrl: '' })).toMatch(/^apiUrl must be the Custom Channel address/);
    expect(parseWebimSettings({ ...good, apiUrl: 'http://acme.webim.ru/x' })).toBe(
      'apiUrl must be an https:// address (plain http only for a local test server).',
    );
    expect(parseWebimSettings({ ...good, apiUrl: 'http://127.0.0.1:9000/x' })).toMatchObject({
      apiUrl: 'http://127.0.0.1:9000/x',
    });
    expect(parseWebimSettings({ ...good, accessToken: '' })).toMatch(/^accessToken is required/);
    expect(parseWebimSettings({ ...good, callbackSecret: 'short' })).toMatch(/^callbackSecret is required/);
    expect(parseWebimSettings({ ...good, timeoutSeconds: 0 })).toBe(
      'timeoutSeconds must be a number from 1 to 120.',
    );
  });
});
