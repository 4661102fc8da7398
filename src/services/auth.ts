import { TELEGRAM_ADMINS_GROUP, User, type Shop, type TelegramUser } from '../db/entities/index.js';
import { isDomainError } from './errors.js';
import type { LoginLimiter } from './limiter.js';
import type { ShopLinkService } from './links.js';
import { dummyPasswordHash, verifyPassword } from './secrets.js';
import type { ShopService, Viewer } from './shops.js';
import type { StaffService } from './staff.js';
import { columns, hydrate, run, transaction, type Db } from './sql.js';
import type { TelegramProfile, UserService } from './users.js';

export interface AuthDeps {
  users: UserService;
  shops: ShopService;
  links: ShopLinkService;
  limiter: LoginLimiter;
  staff: StaffService;
}

export type Locked = { ok: false; reason: 'locked'; retryAfterSeconds: number };

export type SellerLoginResult =
  { ok: true; user: TelegramUser; shop: Shop } | { ok: false; reason: 'wrong_key' } | Locked;

export type AdminLoginResult =
  { ok: true; user: TelegramUser } | { ok: false; reason: 'wrong_credentials' } | Locked;

export type AddShopResult =
  | { ok: true; shop: Shop; already: boolean }
  | { ok: false; reason: 'wrong_key' | 'locked'; retryAfterSeconds?: number };

/** Bot logins and key attempts count against this limiter scope, keyed by Telegram id. */
export const BOT_SCOPE = 'bot';
/** Admin logins in the bot also count against the staff username they try. */
export const BOT_ADMIN_SCOPE = 'bot-admin';

/**
 * Logins for the bot (sellers by shop API key, admins by staff credentials) and for the panel.
 * Every bot attempt is checked against the login limiter first; a failure records one strike and
 * a success clears them.
 */
export class AuthService {
  constructor(
    private readonly ds: Db,
    private readonly deps: AuthDeps,
  ) {}

  /**
   * A seller proves a shop's API key. On success the user row is created or refreshed as a seller
   * and the shop linked, in one transaction (ban, subscription and earlier links are kept).
   *
   * An inactive shop is accepted on purpose: `is_active` switches the shop's marketplace sync on and
   * off, it does not disable the key. A seller who switched their shop off must be able to log in
   * to switch it on again (the original accepted it too). Staff who want to lock a key out rotate it.
   */
  async sellerLogin(profile: TelegramProfile, apiKey: string): Promise<SellerLoginResult> {
    const { users, shops, links, limiter } = this.deps;
    const [state, shop] = await Promise.all([
      limiter.check(BOT_SCOPE, profile.telegramId),
      shops.findByApiKey(apiKey),
    ]);
    if (state.locked) return { ok: false, reason: 'locked', retryAfterSeconds: state.retryAfterSeconds };
    if (!shop) {
      await limiter.fail(BOT_SCOPE, profile.telegramId);
      return { ok: false, reason: 'wrong_key' };
    }
    try {
      const user = await transaction(this.ds, async (em) => {
        const user = await users.upsertFromLogin(em, profile, 'seller', null);
        await links.link(em, user.id, shop.id, 'login');
        await limiter.clear(BOT_SCOPE, profile.telegramId, em);
        return user;
      });
      return { ok: true, user, shop };
    } catch (err) {
      // The shop was deleted between the look-up and the link: the key is no longer valid.
      if (isDomainError(err, 'not_found')) return { ok: false, reason: 'wrong_key' };
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
    const usernameKey = username.trim().toLowerCase();
    const [byAccount, byUsername, staff] = await Promise.all([
      limiter.check(BOT_SCOPE, profile.telegramId),
      limiter.check(BOT_ADMIN_SCOPE, usernameKey),
      this.staffForLogin(username),
    ]);
    const lock = [byAccount, byUsername].find((s) => s.locked);
    if (lock?.locked) return { ok: false, reason: 'locked', retryAfterSeconds: lock.retryAfterSeconds };
    const passwordOk = await verifyPassword(password, staff?.hash ?? (await dummyPasswordHash()));
    if (!staff || !passwordOk || !staff.isActive || !staff.isTelegramAdmin) {
      await Promise.all([
        limiter.fail(BOT_SCOPE, profile.telegramId),
        limiter.fail(BOT_ADMIN_SCOPE, usernameKey),
      ]);
      return { ok: false, reason: 'wrong_credentials' };
    }
    const user = await transaction(this.ds, async (em) => {
      const user = await users.upsertFromLogin(em, profile, 'admin', staff.id);
      await run(em, `UPDATE users SET last_login = now() WHERE id = $1`, [staff.id]);
      await limiter.clear(BOT_SCOPE, profile.telegramId, em);
      await limiter.clear(BOT_ADMIN_SCOPE, usernameKey, em);
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
    const { shops, links, limiter } = this.deps;
    const telegramId = viewer.telegramId ?? (await this.telegramIdOf(viewer.id));
    if (telegramId === null) return { ok: false, reason: 'wrong_key' };
    const [state, shop] = await Promise.all([
      limiter.check(BOT_SCOPE, telegramId),
      shops.findByApiKey(apiKey),
    ]);
    if (state.locked) return { ok: false, reason: 'locked', retryAfterSeconds: state.retryAfterSeconds };
    if (!shop) {
      await limiter.fail(BOT_SCOPE, telegramId);
      return { ok: false, reason: 'wrong_key' };
    }
    let outcome: 'linked' | 'already';
    try {
      outcome = await links.link(undefined, viewer.id, shop.id, 'add');
    } catch (err) {
      if (isDomainError(err, 'not_found')) return { ok: false, reason: 'wrong_key' };
      throw err;
    }
    await limiter.clear(BOT_SCOPE, telegramId);
    return { ok: true, shop, already: outcome === 'already' };
  }

  /**
   * The web panel's login: an active staff account (isStaff) with the right password, or null.
   * Records the login time. Rate limiting is the panel's ('panel-ip' and 'panel-user' scopes).
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
