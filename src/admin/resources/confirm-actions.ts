import type { Action, ActionContext, ActionRequest, ActionResponse, BaseRecord } from 'adminjs';
import { isDomainError } from '../../services/errors.js';
import { serverTexts } from '../locale/index.js';

type ActionOptions = Partial<Action<ActionResponse>>;
export type IsVisible = (context: ActionContext) => boolean;

export interface ConfirmActionSpec {
  /** Base name: the record action gets it, the bulk action `bulk` + Name. */
  name: string;
  icon: string;
  variant?: 'danger' | 'default' | 'primary' | 'success' | 'info';
  /** Whether the record action is offered for this record (e.g. "Ban" only for a user not banned). */
  showFor?: (record: BaseRecord) => boolean;
  /** Does the change for these primary keys; answers with the number of rows that changed. */
  run: (ids: number[]) => Promise<number>;
  /** The notice, e.g. "Banned 2 of 3 users", in the staff member's language (src/admin/locale). */
  notice: NoticeName;
}

function ids(records: BaseRecord[]): number[] {
  return records.map((r) => Number(r.id()));
}

/** A DomainError (a refusal the service explains) becomes an error notice; anything else is a bug and propagates. */
export function refusal(err: unknown): { message: string; type: 'error' } | null {
  return isDomainError(err) ? { message: err.message, type: 'error' } : null;
}

/** The notices a confirm action can end with (their text is in the locale catalogues). */
export type NoticeName =
  | 'banned'
  | 'unbanned'
  | 'activated'
  | 'deactivated'
  | 'channelsStarted'
  | 'channelsStopped'
  | 'channelMadeDefault'
  | 'conversationsClosed'
  | 'supportBanned'
  | 'supportUnbanned'
  | 'rerun';

/** The actions confirmActions makes (their buttons' labels are in the locale catalogues). */
export interface ConfirmActions {
  actions: Record<string, ActionOptions>;
}

/**
 * A pair of actions (record and bulk) that confirm on a screen of their own and change data only on
 * POST: opening the screen (GET) shows the records and changes nothing.
 */
export function confirmActions(spec: ConfirmActionSpec, component: string): ConfirmActions {
  const bulkName = `bulk${spec.name[0]!.toUpperCase()}${spec.name.slice(1)}`;
  const common = {
    icon: spec.icon,
    variant: spec.variant ?? 'default',
    component,
    showInDrawer: true,
  };

  const record: ActionOptions = {
    ...common,
    actionType: 'record',
    name: spec.name,
    isVisible: ({ record: r }: ActionContext) => (r && spec.showFor ? spec.showFor(r) : true),
    handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
      const { record: current, resource, currentAdmin, h } = context;
      if (!current) throw new Error('record action without a record');
      if (request.method !== 'post') return { record: current.toJSON(currentAdmin) };
      let notice: ActionResponse['notice'];
      try {
        const changed = await spec.run([Number(current.id())]);
        const message = serverTexts(currentAdmin).notices[spec.notice](changed, 1);
        notice = { message, type: changed ? 'success' : 'info' };
      } catch (err) {
        const refused = refusal(err);
        if (!refused) throw err;
        return { record: current.toJSON(currentAdmin), notice: refused };
      }
      const fresh = (await resource.findOne(String(current.id()), context)) ?? current;
      return {
        record: fresh.toJSON(currentAdmin),
        notice,
        redirectUrl: h.recordActionUrl({
          resourceId: resource._decorated?.id() ?? resource.id(),
          recordId: String(current.id()),
          actionName: 'show',
        }),
      };
    },
  } as ActionOptions;

  const bulk: ActionOptions = {
    ...common,
    actionType: 'bulk',
    name: bulkName,
    handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
      const { records = [], resource, currentAdmin, h } = context;
      if (request.method !== 'post') return { records: records.map((r) => r.toJSON(currentAdmin)) };
      const asked = ids(records);
      let notice: ActionResponse['notice'];
      try {
        const changed = await spec.run(asked);
        const message = serverTexts(currentAdmin).notices[spec.notice](changed, asked.length);
        notice = { message, type: changed ? 'success' : 'info' };
      } catch (err) {
        const refused = refusal(err);
        if (!refused) throw err;
        return { records: records.map((r) => r.toJSON(currentAdmin)), notice: refused };
      }
      const fresh = await resource.findMany(asked.map(String), context);
      return {
        records: fresh.map((r) => r.toJSON(currentAdmin)),
        notice,
        redirectUrl: h.resourceUrl({ resourceId: resource._decorated?.id() ?? resource.id() }),
      };
    },
  } as ActionOptions;

  return { actions: { [spec.name]: record, [bulkName]: bulk } };
}
