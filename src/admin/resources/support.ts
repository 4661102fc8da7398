import {
  ValidationError,
  type ActionContext,
  type ActionRequest,
  type ActionResponse,
  type After,
  type RecordJSON,
  type ResourceWithOptions,
} from 'adminjs';
import { SupportChannel, SupportConversation } from '../../db/entities/index.js';
import { SUPPORT_CHANNEL_KINDS } from '../../services/index.js';
import { checkSettings, parseSetting } from '../../support/settings.js';
import { serverTexts } from '../locale/index.js';
import { nobody } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { confirmActions, refusal } from './confirm-actions.js';
import { flag, nav, oneLine, panelResource, text, type ActionOptions, type ResourceDeps } from './shared.js';

type Handler = NonNullable<ActionOptions['handler']>;

/** "key=value" lines → settings; a line "key=" removes the key. */
function settingsFrom(lines: string): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const raw of lines.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parsed = parseSetting(line);
    if (!parsed) return `"${line}": expected key=value`;
    out[parsed[0]] = parsed[1];
  }
  return out;
}

/**
 * The records' settings as the panel shows them: `settingsText`, one `key=value` per line, secret
 * settings (sealed at rest) as "••••••". The flattened jsonb params never reach the browser.
 */
function settingsShown(deps: ResourceDeps): After<ActionResponse> {
  return async (response: ActionResponse) => {
    const fix = async (r: RecordJSON | undefined) => {
      if (!r?.params) return;
      for (const key of Object.keys(r.params)) if (key.startsWith('settings.')) delete r.params[key];
      delete r.params.settings;
      const form = await deps.services.support.settingsForForm(Number(r.id));
      if (!form) return;
      const lines = [
        ...Object.entries(form.plain).map(([k, v]) => `${k}=${String(v)}`),
        ...form.secrets.map((k) => `${k}=••••••`),
      ];
      r.params.settingsText = lines.sort().join('\n');
    };
    await fix(response.record as RecordJSON | undefined);
    for (const r of (response.records as RecordJSON[] | undefined) ?? []) await fix(r);
    return response;
  };
}

/** Support → Channels: create, edit (secrets write-only), start, stop, make default; status and reason shown. */
export function supportChannels(deps: ResourceDeps): ResourceWithOptions {
  const { support } = deps.services;
  const component = deps.components.ConfirmAction;
  const start = confirmActions(
    {
      name: 'start',
      icon: 'Play',
      showFor: (r) => !r.params.running,
      run: (ids) => support.setRunning(ids, true),
      notice: 'channelsStarted',
    },
    component,
  );
  const stop = confirmActions(
    {
      name: 'stop',
      icon: 'Square',
      variant: 'danger',
      showFor: (r) => Boolean(r.params.running),
      run: (ids) => support.setRunning(ids, false),
      notice: 'channelsStopped',
    },
    component,
  );
  const makeDefault = confirmActions(
    {
      name: 'makeDefault',
      icon: 'Star',
      showFor: (r) => !r.params.isDefault,
      run: async (ids) => {
        const c = ids.length === 1 ? await support.channel(ids[0]!) : null;
        return c && (await support.setDefault(c.name)) ? 1 : 0;
      },
      notice: 'channelMadeDefault',
    },
    component,
  );

  const create: Handler = async (request: ActionRequest, _response: unknown, context: ActionContext) => {
    const { resource, currentAdmin, h } = context;
    if (request.method !== 'post') return {};
    const p = request.payload ?? {};
    const settings = settingsFrom(text(p.settingsText));
    const problem = typeof settings === 'string' ? settings : checkSettings(settings, 'UTC');
    if (problem) throw new ValidationError({ settingsText: { message: problem, type: 'invalid' } });
    try {
      const { channel } = await support.createChannel({
        name: text(p.name),
        kind: text(p.kind),
        settings: settings as Record<string, unknown>,
        isDefault: flag(p.isDefault, false),
        running: flag(p.running, true),
      });
      const record = await resource.findOne(String(channel.id), context);
      return {
        record: record!.toJSON(currentAdmin),
        notice: { message: serverTexts(currentAdmin).notices.channelSaved(), type: 'success' },
        redirectUrl: h.recordActionUrl({
          resourceId: 'SupportChannel',
          recordId: String(channel.id),
          actionName: 'show',
        }),
      };
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      throw new ValidationError({}, { message: refused.message, type: 'conflict' });
    }
  };

  const edit: Handler = async (request: ActionRequest, _response: unknown, context: ActionContext) => {
    const { record, resource, currentAdmin, h } = context;
    if (!record) throw new Error('edit without a record');
    const json = record.toJSON(currentAdmin);
    const form = await support.settingsForForm(Number(record.id()));
    if (request.method !== 'post') {
      // Secrets are write-only: the form shows the plain settings; a secret is replaced by typing it.
      const plain = Object.entries(form?.plain ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      return { record: { ...json, params: { ...json.params, settingsText: plain.sort().join('\n') } } };
    }
    const settings = settingsFrom(text(request.payload?.settingsText));
    const problem = typeof settings === 'string' ? settings : checkSettings(settings, 'UTC');
    if (problem) throw new ValidationError({ settingsText: { message: problem, type: 'invalid' } });
    await support.updateChannel(String(record.get('name')), {
      settings: settings as Record<string, unknown>,
      replaceSettings: true,
    });
    const fresh = await resource.findOne(String(record.id()), context);
    return {
      record: (fresh ?? record).toJSON(currentAdmin),
      notice: { message: serverTexts(currentAdmin).notices.channelSaved(), type: 'success' },
      redirectUrl: h.recordActionUrl({
        resourceId: 'SupportChannel',
        recordId: String(record.id()),
        actionName: 'show',
      }),
    };
  };

  const shown = ['name', 'kind', 'status', 'lastError', 'running', 'isDefault'];
  return panelResource(
    new SafeTypeormAdapter(SupportChannel),
    {
      id: 'SupportChannel',
      navigation: nav.support,
      titleProperty: 'name',
      sort: { sortBy: 'name', direction: 'asc' },
      listProperties: shown,
      filterProperties: ['name', 'kind', 'status', 'running'],
      showProperties: ['id', ...shown, 'settingsText', 'createdAt', 'updatedAt'],
      editProperties: ['settingsText'],
      properties: {
        settings: { isVisible: false },
        apiTokenHash: { isVisible: false },
        lastError: oneLine(deps.components, '24em'),
        kind: { availableValues: SUPPORT_CHANNEL_KINDS.map((k) => ({ value: k, label: k })) },
        settingsText: {
          type: 'textarea',
          isVisible: { list: false, filter: false, show: true, edit: true },
          description: 'settingsHelp',
        },
      },
      actions: {
        new: {
          layout: ['name', 'kind', 'settingsText', 'isDefault', 'running'],
          handler: create,
          after: [settingsShown(deps)],
        },
        edit: { handler: edit },
        show: { after: [settingsShown(deps)] },
        list: { after: [settingsShown(deps)] },
        ...start.actions,
        ...stop.actions,
        ...makeDefault.actions,
      },
    },
    deps,
  );
}

/** Support → Conversations: who, which channel, status, times, operator; close; support ban and unban. No texts. */
export function supportConversations(deps: ResourceDeps): ResourceWithOptions {
  const { support } = deps.services;
  const component = deps.components.ConfirmAction;
  const close = confirmActions(
    {
      name: 'close',
      icon: 'XCircle',
      showFor: (r) => r.params.status === 'open',
      run: (ids) => support.closeByStaff(ids),
      notice: 'conversationsClosed',
    },
    component,
  );
  const ban = confirmActions(
    {
      name: 'supportBan',
      icon: 'Slash',
      variant: 'danger',
      run: (ids) => support.setSupportBannedByConversation(ids, true),
      notice: 'supportBanned',
    },
    component,
  );
  const unban = confirmActions(
    {
      name: 'supportUnban',
      icon: 'CheckCircle',
      run: (ids) => support.setSupportBannedByConversation(ids, false),
      notice: 'supportUnbanned',
    },
    component,
  );
  const shown = [
    'telegramUserId',
    'channelId',
    'status',
    'openedAt',
    'lastActivityAt',
    'closedAt',
    'operatorName',
  ];
  return panelResource(
    new SafeTypeormAdapter(SupportConversation),
    {
      id: 'SupportConversation',
      navigation: nav.support,
      sort: { sortBy: 'lastActivityAt', direction: 'desc' },
      listProperties: [...shown, 'state.reference'],
      filterProperties: ['telegramUserId', 'channelId', 'status', 'operatorName', 'openedAt'],
      showProperties: ['id', ...shown, 'externalId', 'state.reference'],
      properties: {
        state: { isVisible: false },
        // The platform's name of the conversation (a Planfix task number), when the channel gives one.
        'state.reference': {
          type: 'string',
          isVisible: { list: true, show: true, edit: false, filter: false },
        },
        needsOpen: { isVisible: false },
        operatorName: oneLine(deps.components, '10em'),
        status: { availableValues: ['open', 'closed'].map((v) => ({ value: v, label: v })) },
      },
      actions: {
        new: { isAccessible: nobody },
        edit: { isAccessible: nobody },
        delete: { isAccessible: nobody },
        bulkDelete: { isAccessible: nobody },
        ...close.actions,
        ...ban.actions,
        ...unban.actions,
      },
    },
    deps,
  );
}
