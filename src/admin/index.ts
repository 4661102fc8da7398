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
  const { buildAdmin } = await loadPanel(deps.config.adminBundleDir);
  // Looked at again now: the bundle may have been made (or the sources changed) since loadPanel.
  return buildAdmin(deps, planBundle(deps.config.adminBundleDir));
}

let loading: { bundleDir: string; module: Promise<typeof import('./build.js')> } | undefined;

/**
 * Starts loading AdminJS (seconds of module loading) with ADMIN_JS_TMP_DIR set to the bundle's
 * folder, once. main calls it first thing, so the loading overlaps the database start.
 */
export function loadPanel(bundleDir: string): Promise<typeof import('./build.js')> {
  if (loading?.bundleDir !== bundleDir) {
    // The bundle `npm run build` made (production), else ADMIN_JS_TMP_DIR, bundled again only when stale.
    process.env.ADMIN_JS_TMP_DIR = planBundle(bundleDir).dir;
    process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
    const module = import('./build.js');
    module.catch(() => undefined); // awaited (and reported) by createAdmin
    loading = { bundleDir, module };
  }
  return loading.module;
}
