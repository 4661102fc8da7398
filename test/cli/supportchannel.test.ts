import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { supportchannel } from '../../src/cli/commands/supportchannel.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';
import { cliDeps } from './helpers.js';

describe('supportchannel', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const run = async (...args: string[]) => {
    const c = cliDeps(db);
    const code = await supportchannel(c.deps, args);
    return { code, out: c.out, err: c.err };
  };

  it('adds a channel with its settings, prints the API token once and keeps only its hash', async () => {
    const r = await run(
      'add',
      'forum',
      '--kind',
      'topics',
      '--set',
      'forumChatId=-1001234',
      '--set',
      'apiSecret=s3cr3t-value',
    );
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('Support channel "forum" (topics) added as the default; the app starts it.');
    const token = /token \(shown once\): (\S+)/.exec(r.out[1]!)![1]!;
    const [row] = await sql<{ settings: string; api_token_hash: string; running: boolean }>(
      db,
      `SELECT settings::text, api_token_hash, running FROM support_channels WHERE name = 'forum'`,
    );
    expect(row!.running).toBe(true);
    expect(row!.settings).toContain('-1001234');
    expect(row!.settings).not.toContain('s3cr3t-value');
    expect(row!.api_token_hash).not.toBe(token);
    const list = await run('list');
    expect(list.out).toEqual([
      'forum  topics  offline  (default, running)',
      '    apiSecret=••••••',
      '    forumChatId=-1001234',
    ]);
  });

  it('changes settings, starts, stops and removes; says so when the name is unknown', async () => {
    expect(
      (await run('set', 'forum', '--set', 'workingHours=Mon-Fri 09:00-18:00', '--set', 'apiSecret=')).code,
    ).toBe(0);
    const [row] = await sql<{ settings: Record<string, unknown> }>(
      db,
      `SELECT settings FROM support_channels`,
    );
    expect(row!.settings).toEqual({ forumChatId: -1001234, workingHours: 'Mon-Fri 09:00-18:00' });
    expect((await run('stop', 'forum')).out).toEqual(['Support channel "forum" will stop within seconds.']);
    expect((await sql<{ running: boolean }>(db, `SELECT running FROM support_channels`))[0]!.running).toBe(
      false,
    );
    expect((await run('start', 'forum')).code).toBe(0);
    expect(await run('stop', 'nope')).toMatchObject({ code: 1, err: ['Error: no support channel "nope".'] });
    const rotated = await run('token', 'forum');
    const token = /: (sc_\S+)$/.exec(rotated.out[0]!)![1]!;
    const { services } = cliDeps(db).deps;
    expect((await services.support.channelByToken('forum', token))?.name).toBe('forum');
    expect((await run('remove', 'forum')).code).toBe(0);
    expect((await run('list')).out).toEqual(['No support channels.']);
  });

  it('refuses bad input with a sentence: kind, name, settings, a duplicate', async () => {
    expect(await run('add', 'x', '--kind', 'icq')).toMatchObject({
      code: 1,
      err: ['Error: The kind is one of: topics, webim, planfix, twin.'],
    });
    expect((await run('add', 'x')).code).toBe(2);
    expect(await run('add', 'x', '--kind', 'topics', '--set', 'workingHours=sometimes')).toMatchObject({
      code: 1,
      err: ['Error: workingHours: expected days and hours such as "Mon-Fri 09:00-18:00".'],
    });
    expect((await run('add', 'x', '--kind', 'topics', '--set', 'novalue')).code).toBe(2);
    expect((await run('add', 'dup', '--kind', 'topics')).code).toBe(0);
    expect(await run('add', 'dup', '--kind', 'topics')).toMatchObject({
      code: 1,
      err: ['Error: A channel named "dup" exists.'],
    });
    expect((await run('frobnicate')).code).toBe(2);
  });
});
