import type { DataSource } from 'typeorm';
import { Group, TELEGRAM_ADMINS_GROUP, User } from '../db/entities/index.js';
import { DomainError } from './errors.js';
import { BCRYPT_ROUNDS, hashPassword } from './secrets.js';
import { columns, hydrate, isUniqueViolation, run } from './sql.js';

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

/** Django's rule: 1–150 letters, digits and @ . + - _ */
const USERNAME = /^[\p{L}\p{N}_@.+-]{1,150}$/u;
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt reads only the first 72 bytes; a longer password would silently be cut. */
export const PASSWORD_MAX_BYTES = 72;

/** Staff accounts (panel users, and the credentials admins log in to the bot with) and their groups. */
export class StaffService {
  private readonly rounds: number;

  constructor(
    private readonly ds: DataSource,
    options: StaffServiceOptions = {},
  ) {
    this.rounds = options.bcryptRounds ?? BCRYPT_ROUNDS;
  }

  async createUser(input: CreateStaffUserInput): Promise<User> {
    const username = checkUsername(input.username);
    const email = checkEmail(input.email);
    const hash = await hashPassword(checkPassword(input.password), this.rounds);
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
    const hash = await hashPassword(checkPassword(password), this.rounds);
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

  /** True when removed, false when the user was not a member (or either doesn't exist). */
  async removeFromGroup(username: string, groupName: string): Promise<boolean> {
    const { count } = await run(
      this.ds,
      `DELETE FROM user_groups ug USING users u, groups g
       WHERE ug.user_id = u.id AND ug.group_id = g.id AND u.username = $1 AND g.name = $2`,
      [username, groupName],
    );
    return count > 0;
  }

  /** An active staff account in `telegram_admins`: what admin access in the bot requires. */
  async isTelegramAdmin(staffUserId: number): Promise<boolean> {
    const { rows } = await run<{ ok: boolean }>(
      this.ds,
      `SELECT EXISTS (
         SELECT 1 FROM users u
         JOIN user_groups ug ON ug.user_id = u.id
         JOIN groups g ON g.id = ug.group_id
         WHERE u.id = $1 AND u.is_active AND g.name = $2) AS ok`,
      [staffUserId, TELEGRAM_ADMINS_GROUP],
    );
    return rows[0]!.ok;
  }

  /** The group, created if missing. */
  async ensureGroup(name: string): Promise<Group> {
    const groupName = name.trim();
    if (!groupName || groupName.length > 150) {
      throw new DomainError('invalid', 'A group name is 1–150 characters.');
    }
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
    }>(this.ds, 'SELECT username, is_active, is_staff, is_superuser FROM users WHERE id = $1', [staffUserId]);
    const row = rows[0];
    if (!row) return null;
    return {
      username: row.username,
      isActive: row.is_active,
      isStaff: row.is_staff,
      isSuperuser: row.is_superuser,
    };
  }
}

export interface StaffAccountStatus {
  username: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
}

function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    throw new DomainError('invalid', 'A username is 1–150 letters, digits and @ . + - _ characters.');
  }
  return username;
}

function checkEmail(email: string | undefined): string {
  const e = (email ?? '').trim();
  if (e && (e.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(e))) {
    throw new DomainError('invalid', `"${e}" is not an email address.`);
  }
  return e;
}

function checkPassword(password: string): string {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new DomainError('invalid', `A password needs at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw new DomainError('invalid', `A password may be at most ${PASSWORD_MAX_BYTES} bytes long.`);
  }
  return password;
}
