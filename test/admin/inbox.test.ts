/**
 * The panel's view of the update inbox: staff find the parked updates and re-run them; the update
 * itself (what a user typed) never reaches the panel.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createStaff, HttpClient, loggedIn, startHarness, type Harness } from './support.js';
import { sql } from '../support/sql.js';

let h: Harness;
let clerk: HttpClient;

beforeAll(async () => {
  h = await startHarness();
  await createStaff(h, { username: 'clerk' });
  clerk = await loggedIn(h, 'clerk');
}, 120_000);

afterAll(async () => h?.close());

type RecordJson = { id: string; params: Record<string, unknown>; recordActions?: { name: string }[] };

describe('Update inbox', () => {
  test('lists parked updates without their content, and re-runs one on confirmation', async () => {
    await sql(
      h,
      `INSERT INTO tg_inbox (update_id, chat_key, kind, payload, status, attempts) VALUES
         (501, 42, 'message', '{"update_id":501,"message":{"text":"my secret password"}}', 'parked', 3),
         (502, 42, 'message', NULL, 'done', 0)`,
    );
    const list = await clerk.api('/resources/InboxUpdate/actions/list?filters.status=parked');
    expect(list.status).toBe(200);
    const records = list.json<{ records: RecordJson[] }>().records;
    expect(records.map((r) => r.params.updateId)).toEqual([501]);
    expect(records[0]!.params).toMatchObject({ kind: 'message', chatKey: 42, status: 'parked', attempts: 3 });
    expect(list.text).not.toContain('secret');
    expect(records[0]!.recordActions?.map((a) => a.name)).toContain('rerun');

    const shown = await clerk.api('/resources/InboxUpdate/records/501/show');
    expect(shown.text).not.toContain('secret');

    // Opening the confirmation changes nothing; confirming asks the bot to run it again.
    await clerk.api('/resources/InboxUpdate/records/501/rerun');
    const status = async (id: number) =>
      ((await sql(h, `SELECT status FROM tg_inbox WHERE update_id = $1`, [id])) as { status: string }[])[0]!
        .status;
    expect(await status(501)).toBe('parked');
    const reply = await clerk.api('/resources/InboxUpdate/records/501/rerun', { json: { confirm: 'yes' } });
    expect(reply.json<{ notice: { type: string; message: string } }>().notice).toMatchObject({
      type: 'success',
      message: expect.stringMatching(/^1 of 1 parked update will run again/),
    });
    expect(await status(501)).toBe('rerun');

    // A handled update is not re-run, and the panel neither creates, edits nor deletes rows.
    const done = await clerk.api('/resources/InboxUpdate/records/502/rerun', { json: { confirm: 'yes' } });
    expect(done.json<{ notice: { type: string } }>().notice.type).toBe('info');
    expect(await status(502)).toBe('done');
    const del = await clerk.api('/resources/InboxUpdate/records/502/delete', { json: {} });
    expect(del.json<{ notice: { type: string } }>().notice).toMatchObject({ type: 'error' });
  });
});
