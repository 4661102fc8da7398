/** The bot's commands (per scope and language) and its descriptions. */
import { bad } from '../errors.js';
import { clone, isObject, optJson, optString, type Params } from '../params.js';
import type { EmulatorState, Method } from '../state.js';
import type { BotCommand, BotCommandScope } from '../types.js';

const SCOPE_TYPES = new Set([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
]);

export function scopeKey(scope: BotCommandScope, languageCode: string): string {
  return `${scope.type}|${scope.chat_id ?? ''}|${scope.user_id ?? ''}|${languageCode}`;
}

function parseScope(p: Params): { scope: BotCommandScope; lang: string } {
  const raw = optJson(p, 'scope') ?? { type: 'default' };
  if (!isObject(raw) || typeof raw.type !== 'string' || !SCOPE_TYPES.has(raw.type)) {
    throw bad("can't parse BotCommandScope JSON object");
  }
  const scope: BotCommandScope = { type: raw.type };
  if (['chat', 'chat_administrators', 'chat_member'].includes(raw.type)) {
    if (typeof raw.chat_id !== 'number' && typeof raw.chat_id !== 'string') throw bad('chat_id is empty');
    scope.chat_id = raw.chat_id;
  }
  if (raw.type === 'chat_member') {
    if (typeof raw.user_id !== 'number') throw bad('user_id is empty');
    scope.user_id = raw.user_id;
  }
  const lang = optString(p, 'language_code') ?? '';
  if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language_code specified');
  return { scope, lang };
}

function setDescription(p: Params, field: string, max: number, store: Map<string, string>): true {
  const text = optString(p, field) ?? '';
  if (text.length > max) throw bad(`${field.replace('_', ' ')} is too long (at most ${max} characters)`);
  const lang = optString(p, 'language_code') ?? '';
  if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language_code specified');
  if (text === '') store.delete(lang);
  else store.set(lang, text);
  return true;
}

function getDescription(p: Params, store: Map<string, string>): string {
  return store.get(optString(p, 'language_code') ?? '') ?? '';
}

export const commandMethods: Record<string, Method> = {
  setMyCommands(s: EmulatorState, p): true {
    const raw = optJson(p, 'commands');
    if (!Array.isArray(raw)) throw bad("can't parse commands JSON array");
    if (raw.length > 100) throw bad('too many commands: at most 100 are allowed');
    const commands: BotCommand[] = raw.map((c) => {
      if (!isObject(c) || typeof c.command !== 'string' || typeof c.description !== 'string') {
        throw bad("can't parse BotCommand JSON object");
      }
      const command = c.command.startsWith('/') ? c.command.slice(1) : c.command;
      if (!/^[a-z0-9_]{1,32}$/.test(command)) throw bad('BOT_COMMAND_INVALID');
      const description = c.description.trim();
      if (description.length < 1 || description.length > 256) throw bad('command description is invalid');
      return { command, description };
    });
    const { scope, lang } = parseScope(p);
    const key = scopeKey(scope, lang);
    if (commands.length === 0) s.commandSets.delete(key);
    else s.commandSets.set(key, commands);
    return true;
  },

  getMyCommands(s, p): BotCommand[] {
    const { scope, lang } = parseScope(p);
    return clone(s.commandSets.get(scopeKey(scope, lang)) ?? []);
  },

  deleteMyCommands(s, p): true {
    const { scope, lang } = parseScope(p);
    s.commandSets.delete(scopeKey(scope, lang));
    return true;
  },

  setMyDescription: (s, p) => setDescription(p, 'description', 512, s.descriptions),
  getMyDescription: (s, p) => ({ description: getDescription(p, s.descriptions) }),
  setMyShortDescription: (s, p) => setDescription(p, 'short_description', 120, s.shortDescriptions),
  getMyShortDescription: (s, p) => ({ short_description: getDescription(p, s.shortDescriptions) }),
};
