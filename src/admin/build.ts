import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import AdminJS, { ComponentLoader, type BrandingOptions } from 'adminjs';
import { ADMIN_JS_TMP_DIR, componentsBundler, generateUserComponentEntry } from 'adminjs/bundler';
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import { accountPage } from './account.js';
import { bundleMode, markFresh, registerComponents, type BundlePlan } from './bundle.js';
import { dashboardData } from './dashboard.js';
import { syncPage } from './sync-page.js';
import { languageOf, panelLocale } from './locale/index.js';
import { SYSTEM_FONTS } from './middleware.js';
import { OneTimeKeys } from './one-time-keys.js';
import { buildResources } from './resources/index.js';
import { buildPanelRouter } from './router.js';
import type { AdminDeps, AdminPanel, StaffAdmin } from './types.js';

export const ROOT_PATH = '/admin';

function sessionSecret(deps: AdminDeps): string {
  if (deps.config.sessionSecret) return deps.config.sessionSecret;
  // Production refuses to start without one (config.ts). Elsewhere sessions just don't outlive the process.
  const message = 'SESSION_SECRET is not set: using a random one, so panel sessions end at every restart';
  if (deps.config.env === 'development') deps.logger.warn(message);
  else deps.logger.debug(message);
  return randomBytes(32).toString('hex');
}

/**
 * Bundles the custom components into ADMIN_JS_TMP_DIR (plan.dir) and waits for it, unless the
 * bundle there was made from the same sources (see bundle.ts); AdminJS itself would bundle in the
 * background in production, or on the first page view otherwise. Works offline.
 */
async function bundleComponents(
  admin: AdminJS,
  plan: BundlePlan,
  logger: AdminDeps['logger'],
): Promise<void> {
  if (plan.fresh) {
    logger.debug({ bundleDir: plan.dir, prebuilt: plan.prebuilt }, 'panel components: bundle is up to date');
    return;
  }
  if (bundleMode() === 'production') {
    logger.warn(
      { bundleDir: plan.dir },
      'the panel was not bundled by `npm run build` (or its sources changed since): bundling now',
    );
  }
  const started = Date.now();
  await fs.promises.rm(path.join(ADMIN_JS_TMP_DIR, 'bundle.hash'), { force: true });
  await fs.promises.rm(path.join(ADMIN_JS_TMP_DIR, 'bundle.js'), { force: true });
  await componentsBundler.createEntry({ content: generateUserComponentEntry(admin, ADMIN_JS_TMP_DIR) });
  await componentsBundler.build();
  markFresh(ADMIN_JS_TMP_DIR, plan.hash);
  logger.info({ ms: Date.now() - started, bundleDir: plan.dir }, 'panel components bundled');
}

export async function buildAdmin(deps: AdminDeps, plan: BundlePlan): Promise<AdminPanel> {
  const { config, logger } = deps;
  const started = Date.now();

  const loader = new ComponentLoader();
  const components = registerComponents(loader);

  const resources = buildResources({
    services: deps.services,
    logger,
    components,
    oneTimeKeys: new OneTimeKeys(),
  });

  const admin = new AdminJS({
    rootPath: ROOT_PATH,
    loginPath: `${ROOT_PATH}/login`,
    logoutPath: `${ROOT_PATH}/logout`,
    componentLoader: loader,
    resources,
    dashboard: {
      component: components.Dashboard,
      handler: async (_request, _response, context) =>
        dashboardData(deps.services, {
          currency: config.subscription.currency,
          rootPath: ROOT_PATH,
          admin: context.currentAdmin as StaffAdmin | undefined,
        }),
    },
    pages: {
      account: {
        component: components.Account,
        icon: 'User',
        handler: accountPage(deps),
      },
      sync: {
        component: components.SyncPage,
        icon: 'RefreshCw',
        handler: syncPage(deps),
      },
    },
    branding: {
      companyName: 'market-bot',
      withMadeWithLove: false,
      logo: false,
      // The theme's font is a plain string, which AdminJS's override type doesn't foresee.
      theme: { font: SYSTEM_FONTS } as unknown as NonNullable<BrandingOptions['theme']>,
    },
    settings: { defaultPerPage: 20 },
    // Each staff member's language (src/admin/locale; the login page: login.ts).
    locale: (currentAdmin) => panelLocale(languageOf(currentAdmin)),
  });

  await bundleComponents(admin, plan, logger);

  const pool = new pg.Pool({ connectionString: deps.dbUrl, max: 3, connectionTimeoutMillis: 10_000 });
  pool.on('error', (err) => logger.error({ err }, 'panel session pool error'));
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool,
    tableName: 'admin_sessions',
    createTableIfMissing: false,
    // Sessions have an absolute lifetime: activity does not extend them (and costs no write).
    disableTouch: true,
    pruneSessionInterval: 15 * 60,
    errorLog: (...args: unknown[]) => logger.error({ args }, 'panel session store error'),
  });

  const router = buildPanelRouter({
    admin,
    services: deps.services,
    logger,
    store,
    secret: sessionSecret(deps),
    secure: config.env === 'production',
    timeZone: config.panelTimeZone,
    assets: {
      componentsBundle: path.join(ADMIN_JS_TMP_DIR, 'bundle.js'),
      precompressedDir: plan.prebuilt ? path.join(plan.dir, 'assets') : undefined,
    },
  });
  logger.info(
    { ms: Date.now() - started, bundleDir: ADMIN_JS_TMP_DIR, prebuilt: plan.prebuilt },
    'admin panel ready',
  );

  return {
    rootPath: ROOT_PATH,
    router,
    async close() {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}
