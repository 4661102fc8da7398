import type { EntityManager } from 'typeorm';
import { TELEGRAM_ADMINS_GROUP, TelegramUser, type Role } from '../db/entities/index.js';
import { DomainError } from './errors.js';
import {
  columns,
  hydrate,
  isForeignKeyViolation,
  run,
  runPrepared,
  sqlOnce,
  type Db,
  type Row,
} from './sql.js';

/** What Telegram tells us about the person behind an update. */
export type TelegramProfile = {
  telegramId: number;
  chatId: number;
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
};

/** What a user may do right now, decided in one query. */
export type Access =
  | { kind: 'unregistered' }
  | { kind: 'banned'; user: TelegramUser }
  | { kind: 'inactive'; user: TelegramUser }
  | { kind: 'logged_out'; user: TelegramUser }
  | { kind: 'admin_revoked'; user: TelegramUser }
  | { kind: 'ok'; user: TelegramUser };

export interface UserServiceOptions {
  /** The is_active flag a new row starts with (NEW_USERS_ACTIVE). */
  newUsersActive: boolean;
}

/**
 * The user's columns and the two facts the access decision needs besides them, over
 * `telegram_users tu LEFT JOIN users su` with the `telegram_admins` group's name as $2.
 */
function accessColumns(ds: Db): string {
  return `${columns(ds, TelegramUser, 'tu')},
          (NOT tu.is_active OR (tu.subscription_paid_until IS NOT NULL
                                AND tu.subscription_paid_until <= now())) AS x_inactive,
          (su.id IS NOT NULL AND su.is_active AND EXISTS (
             SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
             WHERE ug.user_id = su.id AND g.name = $2)) AS x_staff_ok`;
}

/** The access decision over a row of `accessColumns` (none: not registered). */
function accessOf(ds: Db, row: Row | undefined): Access {
  if (!row) return { kind: 'unregistered' };
  const user = hydrate(ds, TelegramUser, row);
  if (user.isBanned) return { kind: 'banned', user };
  if (row.x_inactive) return { kind: 'inactive', user };
  if (user.isLoggedOut) return { kind: 'logged_out', user };
  if (user.role === 'admin' && !row.x_staff_ok) return { kind: 'admin_revoked', user };
  return { kind: 'ok', user };
}

/**
 * What every update of a person starts with, in one round trip: their access (as
 * `UserService.access()` decides it) and the bot session stored under `sessionKey`, with its expiry
 * (null when there is none). The session store reads through this (db/session-store.ts).
 */
export async function accessWithSession(
  db: Db,
  telegramId: number,
  sessionKey: string,
): Promise<{ access: Access; session: { data: object; expiresAt: Date } | null }> {
  const { rows } = await runPrepared(
    db,
    sqlOnce(
      db,
      'users.accessWithSession',
      () => `SELECT ${accessColumns(db)}, bs.data AS x_session, bs.expires_at AS x_session_expires
     FROM (SELECT $1::bigint AS telegram_id, $3::varchar AS key) k
     LEFT JOIN telegram_users tu ON tu.telegram_id = k.telegram_id
     LEFT JOIN users su ON su.id = tu.staff_user_id
     LEFT JOIN bot_sessions bs ON bs.key = k.key`,
    ),
    [telegramId, TELEGRAM_ADMINS_GROUP, sessionKey],
  );
  const row = rows[0]!;
  const data = row.x_session as object | null;
  return {
    access: accessOf(db, row.id === null ? undefined : row),
    session: data === null ? null : { data, expiresAt: row.x_session_expires as Date },
  };
}

/**
 * Creates or refreshes a user's row at login ($1–$9 as `loginParams` gives them): names, role, chat
 * and staff account from this login; ban, subscription and links kept.
 */
const UPSERT_FROM_LOGIN = `INSERT INTO telegram_users AS tu
    (telegram_id, chat_id, first_name, last_name, username, language_code, role, staff_user_id, is_active)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  ON CONFLICT (telegram_id) DO UPDATE SET
    chat_id = EXCLUDED.chat_id,
    first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name,
    username = EXCLUDED.username,
    language_code = EXCLUDED.language_code,
    role = EXCLUDED.role,
    staff_user_id = EXCLUDED.staff_user_id,
    is_logged_out = false,
    is_reachable = true,
    updated_at = now()`;

function loginParams(profile: TelegramProfile, role: Role, staffUserId: number | null, active: boolean) {
  return [
    profile.telegramId,
    profile.chatId,
    cut(profile.firstName, 255),
    cut(profile.lastName, 255),
    cut(profile.username, 255),
    lang(profile.languageCode),
    role,
    staffUserId,
    active,
  ];
}

/** Telegram may send longer strings than the columns hold; a login must not fail on a long name. */
const cut = (s: string | undefined | null, n: number) => (s ?? '').slice(0, n);
const lang = (s: string | undefined | null) => (s ? s.slice(0, 16) : null);

export class UserService {
  constructor(
    private readonly ds: Db,
    private readonly options: UserServiceOptions,
  ) {}

  async findByTelegramId(telegramId: number): Promise<TelegramUser | null> {
    const { rows } = await run(
      this.ds,
      `SELECT ${columns(this.ds, TelegramUser)} FROM telegram_users WHERE telegram_id = $1`,
      [telegramId],
    );
    return rows[0] ? hydrate(this.ds, TelegramUser, rows[0]) : null;
  }

  /**
   * The gate in front of every action, one round trip. The order matters: a ban wins over everything,
   * an unpaid subscription over a sign-out; an admin whose staff account was deactivated or removed
   * from `telegram_admins` loses admin access at once (the original never checked again).
   * Expiry is compared with the database clock, the same clock that wrote `subscription_paid_until`.
   */
  async access(telegramId: number): Promise<Access> {
    const { rows } = await runPrepared(
      this.ds,
      sqlOnce(
        this.ds,
        'users.access',
        () => `SELECT ${accessColumns(this.ds)}
       FROM telegram_users tu
       LEFT JOIN users su ON su.id = tu.staff_user_id
       WHERE tu.telegram_id = $1`,
      ),
      [telegramId, TELEGRAM_ADMINS_GROUP],
    );
    return accessOf(this.ds, rows[0]);
  }

  /**
   * Creates or refreshes the row after a successful login. Names, role, chat and staff account come
   * from this login; is_banned, is_active, the paid-until date and the shop links are kept, so
   * logging in again never lifts a ban nor grants a subscription. Pass the transaction's `em` when
   * called inside one.
   */
  async upsertFromLogin(
    em: EntityManager | undefined,
    profile: TelegramProfile,
    role: Role,
    staffUserId: number | null,
  ): Promise<TelegramUser> {
    const db: Db = em ?? this.ds;
    const { rows } = await run(
      db,
      `${UPSERT_FROM_LOGIN} RETURNING ${columns(db, TelegramUser, 'tu')}`,
      loginParams(profile, role, staffUserId, this.options.newUsersActive),
    );
    return hydrate(db, TelegramUser, rows[0]!);
  }

  /**
   * A seller's login in one statement (atomic on its own, so no transaction around it): the row
   * created or refreshed as `upsertFromLogin` does and the shop linked (the first link's source is
   * kept); answers the row and the access it gives
   * (as `access()` would decide it). A shop deleted since it was looked up is a
   * DomainError('not_found') and nothing is written.
   */
  async loginSeller(
    profile: TelegramProfile,
    shopId: number,
  ): Promise<{ user: TelegramUser; access: Access }> {
    try {
      // Prepared: every seller login runs it, and its planning cost more than its execution.
      const { rows } = await runPrepared(
        this.ds,
        sqlOnce(
          this.ds,
          'users.loginSeller',
          () => `WITH u AS (${UPSERT_FROM_LOGIN} RETURNING ${columns(this.ds, TelegramUser, 'tu')}),
         link AS (
           INSERT INTO shop_links (telegram_user_id, shop_id, source) SELECT u.id, $10, 'login' FROM u
           ON CONFLICT ON CONSTRAINT uq_shop_links_user_shop DO NOTHING
         )
         SELECT u.*,
                (NOT u.is_active OR (u.subscription_paid_until IS NOT NULL
                                     AND u.subscription_paid_until <= now())) AS x_inactive,
                false AS x_staff_ok
           FROM u`,
        ),
        [...loginParams(profile, 'seller', null, this.options.newUsersActive), shopId],
      );
      // The access decision comes with the row (a seller has no staff account to check), so the
      // screen after the login needs no read of its own.
      const access = accessOf(this.ds, rows[0]!);
      return { user: (access as { user: TelegramUser }).user, access };
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new DomainError('not_found', 'The shop no longer exists.');
      throw err;
    }
  }

  /** /sign_out: the next /start shows the role choice again. False when there is no such user. */
  async signOut(telegramId: number): Promise<boolean> {
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users SET is_logged_out = true, updated_at = now() WHERE telegram_id = $1`,
      [telegramId],
    );
    return count > 0;
  }

  /** Telegram answered 403 (blocked) or the user wrote again. True when the flag changed. */
  /** Keeps the phone number the user shared (Telegram's contact request): digits only, international form. */
  async setPhone(telegramId: number, phone: string): Promise<boolean> {
    const digits = phone.replace(/\D/g, '').slice(0, 20);
    if (digits.length < 7) return false;
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users SET phone = $2, updated_at = now() WHERE telegram_id = $1`,
      [telegramId, digits],
    );
    return count > 0;
  }

  async setReachable(telegramId: number, reachable: boolean): Promise<boolean> {
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users SET is_reachable = $2, updated_at = now()
       WHERE telegram_id = $1 AND is_reachable IS DISTINCT FROM $2`,
      [telegramId, reachable],
    );
    return count > 0;
  }

  /**
   * Keeps names, username and language in step with Telegram for a registered user, and marks them
   * reachable again (they just wrote to us). Writes nothing when nothing changed, so it is cheap to
   * call on every update. True when a row changed.
   */
  async updateProfile(profile: TelegramProfile): Promise<boolean> {
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users
       SET first_name = $2, last_name = $3, username = $4, language_code = $5, is_reachable = true,
           updated_at = now()
       WHERE telegram_id = $1
         AND (first_name, last_name, username, language_code, is_reachable)
             IS DISTINCT FROM ($2::varchar, $3::varchar, $4::varchar, $5::varchar, true)`,
      [
        profile.telegramId,
        cut(profile.firstName, 255),
        cut(profile.lastName, 255),
        cut(profile.username, 255),
        lang(profile.languageCode),
      ],
    );
    return count > 0;
  }

  /**
   * Staff side: bans or unbans by TelegramUser.id. Only rows whose flag really changes are written,
   * so the database trigger queues exactly one notice per change. Returns the rows changed.
   */
  async setBanned(userIds: number[], banned: boolean): Promise<number> {
    const ids = validIds(userIds);
    if (ids.length === 0) return 0;
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users SET is_banned = $2, updated_at = now()
       WHERE id = ANY($1::int[]) AND is_banned IS DISTINCT FROM $2`,
      [ids, banned],
    );
    return count;
  }

  /**
   * Staff side: switches the subscription flag. Activating also clears a paid-until date that has
   * passed (a staff grant has no end date); a user who is flagged active but expired counts as a
   * change. Deactivating keeps the date. Returns the rows changed.
   */
  async setActive(userIds: number[], active: boolean): Promise<number> {
    const ids = validIds(userIds);
    if (ids.length === 0) return 0;
    const { count } = await run(
      this.ds,
      `UPDATE telegram_users
       SET is_active = $2::boolean,
           subscription_paid_until = CASE
             WHEN $2::boolean AND subscription_paid_until <= now() THEN NULL
             ELSE subscription_paid_until END,
           updated_at = now()
       WHERE id = ANY($1::int[])
         AND (is_active IS DISTINCT FROM $2::boolean
              OR ($2::boolean AND subscription_paid_until <= now()))`,
      [ids, active],
    );
    return count;
  }
}

function validIds(ids: number[]): number[] {
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw new DomainError('invalid', `Not a user id: ${String(id)}`);
  }
  return [...new Set(ids)];
}
