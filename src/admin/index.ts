import { planBundle } from './bundle.js';
import type { AdminDeps, AdminPanel } from './types.js';

export type { AdminDeps, AdminPanel, AdminServices, StaffAdmin } from './types.js';

/**
 * Builds the back office: AdminJS with its resources, our own authentication routes, sessions in the
 * database and CSRF protection. Resolves once the custom components are bundled (or found bundled
 * from the same sources: src/admin/bundle.ts), so the first page served is complete.
 *
 * AdminJS reads ADMIN_JS_TMP_DIR from process.env once, when it is first imported, so the configured
 * folder (config.adminBundleDir) is put there and AdminJS is imported only after (dynamically). The folder has no leading dot: express's `send` refuses
 * dot-folders. AdminJS's own production bundling (unawaited, at router build) is skipped because
 * createAdmin bundles and awaits it itself.
 */
export async function createAdmin(deps: AdminDeps): Promise<AdminPanel> {
  // The bundle `npm run build` made (production), else ADMIN_JS_TMP_DIR, bundled again only when stale.
  const plan = planBundle(deps.config.adminBundleDir);
  process.env.ADMIN_JS_TMP_DIR = plan.dir;
  process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
  const { buildAdmin } = await import('./build.js');
  return buildAdmin(deps, plan);
}
