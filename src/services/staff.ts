import { Group, User } from '../db/entities/index.js';
import { DomainError } from './errors.js';
import { isTimeZone, PANEL_LANGUAGES, valid, type PanelLanguage } from './rules.js';
import { BCRYPT_ROUNDS, hashPassword, verifyPassword } from './secrets.js';
import { columns, hydrate, isUniqueViolation, run, type Db } from './sql.js';

export interface StaffServiceOptions {
  /** bcrypt cost for new hashes; tests lower it, production keeps the default. */
  bcryptRounds?: number;
}

export type CreateStaffUserInput = {
  username: string;
  email?: string;
  password: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
};

export type SaveOutcome = 'created' | 'updated' | 'unchanged';

/** Staff accounts (panel users, and the credentials admins log in to the bot with) and their groups. */
export class StaffService {
  private readonly rounds: number;

  constructor(
    private readonly ds: Db,
    options: StaffServiceOptions = {},
  ) {
    this.rounds = options.bcryptRounds ?? BCRYPT_ROUNDS;
  }

  async createUser(input: CreateStaffUserInput): Promise<User> {
    const username = valid('username', input.username);
    const email = valid('email', input.email ?? '');
    const hash = await hashPassword(valid('password', input.password), this.rounds);
    try {
      const { rows } = await run(
        this.ds,
        `INSERT INTO users AS u (username, email, password_hash, is_staff, is_superuser, is_active)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${columns(this.ds, User, 'u')}`,
        [username, email, hash, input.isStaff ?? false, input.isSuperuser ?? false, input.isActive ?? true],
      );
      return hydrate(this.ds, User, rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('conflict', `The username "${username}" is taken.`);
      throw err;
    }
  }

  async findByUsername(username: string): Promise<User | null> {
    const { rows } = await run(
      this.ds,
      `SELECT ${columns(this.ds, User, 'u')} FROM users u WHERE u.username = $1`,
      [username],
    );
    return rows[0] ? hydrate(this.ds, User, rows[0]) : null;
  }

  async setPassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(valid('password', password), this.rounds);
    const { count } = await run(this.ds, `UPDATE users SET password_hash = $2 WHERE username = $1`, [
      username,
      hash,
    ]);
    if (count === 0) throw new DomainError('not_found', `There is no staff user "${username}".`);
  }

  /** True when added, false when already a member. The user and the group must exist. */
  async addToGroup(username: string, groupName: string): Promise<boolean> {
    const { rows } = await run<{ user_id: number | null; group_id: number | null; added: boolean }>(
      this.ds,
      `WITH u AS (SELECT id FROM users WHERE username = $1),
            g AS (SELECT id FROM groups WHERE name = $2),
            ins AS (
              INSERT INTO user_groups (user_id, group_id) SELECT u.id, g.id FROM u, g
              ON CONFLICT ON CONSTRAINT uq_user_groups_user_group DO NOTHING
              RETURNING id)
       SELECT (SELECT id FROM u) AS user_id, (SELECT id FROM g) AS group_id,
              EXISTS (SELECT 1 FROM ins) AS added`,
      [username, groupName],
    );
    const row = rows[0]!;
    if (row.user_id === null) throw new DomainError('not_found', `There is no staff user "${username}".`);
    if (row.group_id === null) throw new DomainError('not_found', `There is no group "${groupName}".`);
    return row.added;
  }

  /** The group, created if missing. */
  async ensureGroup(name: string): Promise<Group> {
    const groupName = valid('groupName', name);
    const { rows } = await run(
      this.ds,
      `WITH ins AS (
         INSERT INTO groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name)
       SELECT id, name FROM ins UNION ALL SELECT id, name FROM groups WHERE name = $1`,
      [groupName],
    );
    if (rows[0]) return hydrate(this.ds, Group, rows[0]);
    // Created by someone else after this statement's snapshot was taken: read it again.
    const again = await run(this.ds, `SELECT id, name FROM groups WHERE name = $1`, [groupName]);
    return hydrate(this.ds, Group, again.rows[0]!);
  }

  /** The groups of these names that exist. */
  async findGroups(names: string[]): Promise<Group[]> {
    if (names.length === 0) return [];
    const { rows } = await run(this.ds, `SELECT id, name FROM groups WHERE name = ANY($1::varchar[])`, [
      names,
    ]);
    return rows.map((r) => hydrate(this.ds, Group, r));
  }

  /**
   * Creates the account, or brings an existing one (by username) in line with the input: email and
   * flags when given, and the password unless the stored hash already verifies it (so saving the same
   * input again writes nothing).
   */
  async saveUser(input: CreateStaffUserInput): Promise<SaveOutcome> {
    const username = valid('username', input.username);
    const password = valid('password', input.password);
    const { rows } = await run(
      this.ds,
      `SELECT ${columns(this.ds, User, 'u')}, u.password_hash AS x_hash FROM users u WHERE u.username = $1`,
      [username],
    );
    if (!rows[0]) {
      await this.createUser({ ...input, username, password });
      return 'created';
    }
    const existing = hydrate(this.ds, User, rows[0]);
    const patch: Record<string, unknown> = {};
    if (input.email !== undefined) {
      const email = valid('email', input.email);
      if (email !== existing.email) patch.email = email;
    }
    const flags = { isActive: 'is_active', isStaff: 'is_staff', isSuperuser: 'is_superuser' } as const;
    for (const [flag, column] of Object.entries(flags) as [keyof typeof flags, string][]) {
      if (input[flag] !== undefined && input[flag] !== existing[flag]) patch[column] = input[flag];
    }
    if (!(await verifyPassword(password, rows[0].x_hash as string))) {
      patch.password_hash = await hashPassword(password, this.rounds);
    }
    const columnsToSet = Object.keys(patch);
    if (columnsToSet.length === 0) return 'unchanged';
    await run(
      this.ds,
      `UPDATE users SET ${columnsToSet.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [existing.id, ...Object.values(patch)],
    );
    return 'updated';
  }

  /**
   * What a panel session needs to know about its account, read afresh (the panel asks on every
   * request): null when the account no longer exists.
   */
  async accountStatus(staffUserId: number): Promise<StaffAccountStatus | null> {
    const { rows } = await run<{
      username: string;
      is_active: boolean;
      is_staff: boolean;
      is_superuser: boolean;
      panel_language: string | null;
      panel_time_zone: string | null;
    }>(
      this.ds,
      `SELECT username, is_active, is_staff, is_superuser, panel_language, panel_time_zone
       FROM users WHERE id = $1`,
      [staffUserId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      username: row.username,
      isActive: row.is_active,
      isStaff: row.is_staff,
      isSuperuser: row.is_superuser,
      panelLanguage: (PANEL_LANGUAGES as readonly string[]).includes(row.panel_language ?? '')
        ? (row.panel_language as PanelLanguage)
        : null,
      panelTimeZone: row.panel_time_zone && isTimeZone(row.panel_time_zone) ? row.panel_time_zone : null,
    };
  }

  /**
   * The panel's language and time zone chosen by a staff member; null goes back to the defaults
   * (the browser's language, PANEL_TIME_ZONE). A bad value is refused with the rule's sentence.
   */
  async setPanelPreferences(
    staffUserId: number,
    prefs: { language: string | null; timeZone: string | null },
  ): Promise<{ language: PanelLanguage | null; timeZone: string | null }> {
    const language = prefs.language ? valid('panelLanguage', prefs.language) : null;
    const timeZone = prefs.timeZone ? valid('timeZone', prefs.timeZone) : null;
    const { count } = await run(
      this.ds,
      'UPDATE users SET panel_language = $2, panel_time_zone = $3 WHERE id = $1',
      [staffUserId, language, timeZone],
    );
    if (!count) throw new DomainError('not_found', 'This staff account no longer exists');
    return { language, timeZone };
  }
}

export interface StaffAccountStatus {
  username: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  /** Chosen on "My account"; null: not chosen. */
  panelLanguage: PanelLanguage | null;
  panelTimeZone: string | null;
}
