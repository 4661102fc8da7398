import { TELEGRAM_ADMINS_GROUP, User, type TelegramUser } from '../db/entities/index.js';
import { isDomainError } from './errors.js';
import type { BudgetWindow, LoginLimiter, Refusal } from './limiter.js';
import type { ShopLinkService } from './links.js';
import { dummyPasswordHash, verifyPassword } from './secrets.js';
import type { Viewer } from './shops.js';
import type { StaffService } from './staff.js';
import { columns, hydrate, run, transaction, type Db } from './sql.js';
import type { Access, TelegramProfile, UserService } from './users.js';

export interface AuthDeps {
  users: UserService;
  links: ShopLinkService;
  limiter: LoginLimiter;
  staff: StaffService;
}

/** Refused before any comparison: a limit is reached. `budget`: it is the global budget for shop keys. */
export type Locked = { ok: false; reason: 'locked'; retryAfterSeconds: number; budget?: BudgetWindow };

/** A wrong shop key; `budget` when this one used up a window of the global budget for shop keys. */
export type WrongKey = { ok: false; reason: 'wrong_key'; budget?: BudgetWindow };

export type SellerLoginResult =
  /** `access`: what the user may do now, decided with the login (no read of its own after it). */
  { ok: true; user: TelegramUser; shop: ShopRef; access: Access } | WrongKey | Locked;

/** The shop a right key opens: what the bot's answer names. */
export type ShopRef = { id: number; name: string };

export type AdminLoginResult =
  { ok: true; user: TelegramUser } | { ok: false; reason: 'wrong_credentials' } | Locked;

export type AddShopResult = { ok: true; shop: ShopRef; already: boolean } | WrongKey | Locked;

export type StaffLoginResult = { ok: true; user: User } | { ok: false; reason: 'wrong_credentials' } | Locked;

/** Bot logins and key attempts count against this limiter scope, keyed by Telegram id. */
export const BOT_SCOPE = 'bot';
/** Admin logins in the bot also count against the staff username they try. */
export const BOT_ADMIN_SCOPE = 'bot-admin';
/** Panel logins count per client address and per username. */
export const PANEL_IP_SCOPE = 'panel-ip';
export const PANEL_USER_SCOPE = 'panel-user';

/** Usernames are counted case-insensitively: "Boss" and "boss" are guesses at the same account. */
const usernameKey = (username: string) => username.trim().toLowerCase();

function locked(attempt: Refusal): Locked {
  const { retryAfterSeconds, limit } = attempt;
  return limit.budget
    ? { ok: false, reason: 'locked', retryAfterSeconds, budget: limit.budget }
    : { ok: false, reason: 'locked', retryAfterSeconds };
}

function wrongKey(filled: BudgetWindow[]): WrongKey {
  const budget = filled[0];
  return budget ? { ok: false, reason: 'wrong_key', budget } : { ok: false, reason: 'wrong_key' };
}

/**
 * Logins for the bot (sellers by shop API key, admins by staff credentials) and for the panel.
 * Every attempt is first reserved with the login limiter (which refuses it when a limit is reached),
 * then the secret is compared; a success releases its own reservation, a failure leaves it counted.
 * A shop key is compared in the limiter's own statement (attemptShopKey): only a wrong one is
 * recorded. A success clears nothing: failures age out of the window. Wrong shop keys also spend
 * the global budget.
 */
export class AuthService {
  constructor(
    private readonly ds: Db,
    private readonly deps: AuthDeps,
  ) {}

  /**
   * A seller proves a shop's API key. On success the user row is created or refreshed as a seller
   * and the shop linked, in one statement (ban, subscription and earlier links are kept).
   *
   * An inactive shop is accepted on purpose: `is_active` switches the shop's marketplace sync on and
   * off, it does not disable the key. A seller who switched their shop off must be able to log in
   * to switch it on again (the original accepted it too). Staff who want to lock a key out rotate it.
   */
  async sellerLogin(profile: TelegramProfile, apiKey: string): Promise<SellerLoginResult> {
    const { users, limiter } = this.deps;
    // One statement: the key looked up and the limits applied (a wrong key is recorded).
    const attempt = await limiter.attemptShopKey(apiKey, [
      limiter.limit(BOT_SCOPE, profile.telegramId),
      ...limiter.shopKeyBudget(),
    ]);
    if (!attempt.ok) return attempt.wrongKey ? wrongKey(attempt.filled) : locked(attempt);
    try {
      // One statement: the user and the link (was a transaction of five).
      const { user, access } = await users.loginSeller(profile, attempt.shop.id);
      return { ok: true, user, shop: attempt.shop, access };
    } catch (err) {
      // The shop was deleted between the look-up and the link: the key is no longer valid.
      if (isDomainError(err, 'not_found')) return wrongKey([]);
      throw err;
    }
  }

  /**
   * An admin proves the credentials of a staff account that is active and in `telegram_admins`
   * (superuser alone is not enough). Unknown users are checked against a dummy hash so the answer
   * takes as long either way, and every refusal reads the same. The staff account is recorded on
   * the Telegram user, so access() can revoke admin rights when the account loses them.
   */
  async adminLogin(profile: TelegramProfile, username: string, password: string): Promise<AdminLoginResult> {
    const { users, limiter } = this.deps;
    // Counted per Telegram account and per staff username, so guessing one admin's password from
    // many Telegram accounts is limited too (at worst it pauses that admin's bot login, not the panel).
    const attempt = await limiter.attempt([
      limiter.limit(BOT_SCOPE, profile.telegramId),
      limiter.limit(BOT_ADMIN_SCOPE, usernameKey(username)),
    ]);
    if (!attempt.ok) return locked(attempt);
    const staff = await this.staffForLogin(username);
    const passwordOk = await verifyPassword(password, staff?.hash ?? (await dummyPasswordHash()));
    if (!staff || !passwordOk || !staff.isActive || !staff.isTelegramAdmin) {
      return { ok: false, reason: 'wrong_credentials' };
    }
    const user = await transaction(this.ds, async (em) => {
      const user = await users.upsertFromLogin(em, profile, 'admin', staff.id);
      await run(em, `UPDATE users SET last_login = now() WHERE id = $1`, [staff.id]);
      await limiter.release(attempt.reservation, em);
      return user;
    });
    return { ok: true, user };
  }

  /**
   * A logged-in user links one more shop by its key. Counts against the same limiter as logins, so
   * "add shop" is no way round the lock. Adding a shop that is already linked is a success.
   * Pass the TelegramUser from access() as the viewer (it carries telegramId); with a bare
   * { id, role } the Telegram id is looked up.
   */
  async addShop(viewer: Viewer & { telegramId?: number }, apiKey: string): Promise<AddShopResult> {
    const { links, limiter } = this.deps;
    const telegramId = viewer.telegramId ?? (await this.telegramIdOf(viewer.id));
    if (telegramId === null) return { ok: false, reason: 'wrong_key' };
    const attempt = await limiter.attemptShopKey(apiKey, [
      limiter.limit(BOT_SCOPE, telegramId),
      ...limiter.shopKeyBudget(),
    ]);
    if (!attempt.ok) return attempt.wrongKey ? wrongKey(attempt.filled) : locked(attempt);
    try {
      const outcome = await links.link(undefined, viewer.id, attempt.shop.id, 'add');
      return { ok: true, shop: attempt.shop, already: outcome === 'already' };
    } catch (err) {
      if (isDomainError(err, 'not_found')) return wrongKey([]);
      throw err;
    }
  }

  /**
   * The web panel's login, limited per client address and per username (the attempt is reserved
   * before the password is compared, as in the bot): an active staff account (isStaff) with the
   * right password gets in, and the login time is recorded.
   */
  async staffLogin(ip: string, username: string, password: string): Promise<StaffLoginResult> {
    const { limiter } = this.deps;
    const key = usernameKey(username);
    const attempt = await limiter.attempt([
      limiter.limit(PANEL_IP_SCOPE, ip),
      ...(key ? [limiter.limit(PANEL_USER_SCOPE, key)] : []),
    ]);
    if (!attempt.ok) return locked(attempt);
    const user = username && password ? await this.authenticateStaff(username, password) : null;
    if (!user) return { ok: false, reason: 'wrong_credentials' };
    await limiter.release(attempt.reservation);
    return { ok: true, user };
  }

  /**
   * The password check of the panel's login, without the limits (staffLogin adds them): an active
   * staff account (isStaff) with the right password, or null. Records the login time.
   */
  async authenticateStaff(username: string, password: string): Promise<User | null> {
    const staff = await this.staffForLogin(username);
    const passwordOk = await verifyPassword(password, staff?.hash ?? (await dummyPasswordHash()));
    if (!staff || !passwordOk || !staff.isActive || !staff.isStaff) return null;
    const { rows } = await run(
      this.ds,
      `UPDATE users u SET last_login = now() WHERE u.id = $1 AND u.is_active AND u.is_staff
       RETURNING ${columns(this.ds, User, 'u')}`,
      [staff.id],
    );
    return rows[0] ? hydrate(this.ds, User, rows[0]) : null;
  }

  private async staffForLogin(username: string): Promise<{
    id: number;
    hash: string;
    isActive: boolean;
    isStaff: boolean;
    isTelegramAdmin: boolean;
  } | null> {
    if (!username) return null;
    const { rows } = await run(
      this.ds,
      `SELECT u.id, u.password_hash, u.is_active, u.is_staff,
              EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                      WHERE ug.user_id = u.id AND g.name = $2) AS in_group
       FROM users u WHERE u.username = $1`,
      [username, TELEGRAM_ADMINS_GROUP],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as number,
      hash: r.password_hash as string,
      isActive: r.is_active as boolean,
      isStaff: r.is_staff as boolean,
      isTelegramAdmin: r.in_group as boolean,
    };
  }

  private async telegramIdOf(id: number): Promise<number | null> {
    const { rows } = await run<{ telegram_id: number }>(
      this.ds,
      `SELECT telegram_id FROM telegram_users WHERE id = $1`,
      [id],
    );
    return rows[0]?.telegram_id ?? null;
  }
}
