import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentLoader } from 'adminjs';

/**
 * The panel's custom components (.jsx) bundled for the browser, and when that work can be skipped.
 *
 * A bundle folder holds `bundle.js` (AdminJS reads it from ADMIN_JS_TMP_DIR) and `bundle.hash`: the
 * hash of what went into it (the component sources, AdminJS's version, development or production).
 * `npm run build` bundles into dist/panel once (scripts/build-panel.ts); `npm start` bundles into
 * ADMIN_JS_TMP_DIR only when the hash differs from the last bundle's.
 */

/** The components, by the name AdminJS knows them under, and their file names. */
export const COMPONENT_FILES = {
  Dashboard: 'Dashboard.jsx',
  ConfirmAction: 'ConfirmAction.jsx',
  ApiKeyAction: 'ApiKeyAction.jsx',
  LocalTime: 'LocalTime.jsx',
  AuditText: 'AuditText.jsx',
  Account: 'Account.jsx',
  ShopNew: 'ShopNew.jsx',
  ListText: 'ListText.jsx',
  SyncPage: 'SyncPage.jsx',
} as const;
export type ComponentName = keyof typeof COMPONENT_FILES;

/**
 * AdminJS's own components replaced by ours: the filter fields (their placeholder in the staff
 * member's language) and the list (its total says when it is an estimate).
 */
const OVERRIDES = {
  DefaultListAction: 'PanelList.jsx',
  DefaultBooleanFilterProperty: 'FilterSelect.jsx',
  DefaultFilterProperty: 'FilterSelect.jsx',
  DefaultReferenceFilterProperty: 'FilterSelect.jsx',
} as const;

/**
 * Registers the custom components (and overrides) with AdminJS's loader: the one list the app and
 * `npm run build` (scripts/build-panel.ts) bundle. Returns each component's id by name.
 */
export function registerComponents(loader: ComponentLoader): Record<ComponentName, string> {
  const dir = componentsDir();
  const ids = {} as Record<ComponentName, string>;
  for (const [name, file] of Object.entries(COMPONENT_FILES) as [ComponentName, string][]) {
    ids[name] = loader.add(name, path.join(dir, file));
  }
  for (const [name, file] of Object.entries(OVERRIDES)) loader.override(name, path.join(dir, file));
  return ids;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The .jsx sources: next to this module (src/, or dist/ when the build copied them), or the source
 * folder from the working directory (a dist/ build run from the repository).
 */
export function componentsDir(): string {
  const candidates = [path.join(here, 'components'), path.resolve('src/admin/components')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, COMPONENT_FILES.Dashboard)));
  if (!found) throw new Error(`The panel's components were not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Where `npm run build` puts the production bundle: dist/panel (this module is dist/src/admin/bundle.js). */
export const PREBUILT_DIR = path.resolve(here, '../../panel');

/** AdminJS bundles minified for production and with source maps otherwise: a bundle is for one or the other. */
export type BundleMode = 'production' | 'development';
export const bundleMode = (): BundleMode =>
  process.env.NODE_ENV === 'production' ? 'production' : 'development';

function adminJsVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = path.join(path.dirname(require.resolve('adminjs')), 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** What a bundle is made of: every file in the components folder, AdminJS's version and the mode. */
export function componentsHash(dir: string, mode: BundleMode): string {
  const hash = createHash('sha256').update(`adminjs ${adminJsVersion()}\nmode ${mode}\n`);
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    hash.update(`${name}\n`).update(fs.readFileSync(file)).update('\n');
  }
  return hash.digest('hex');
}

const HASH_FILE = 'bundle.hash';

/** True when `dir` holds a bundle made from exactly these sources. */
export function isFresh(dir: string, hash: string): boolean {
  try {
    return (
      fs.existsSync(path.join(dir, 'bundle.js')) &&
      fs.readFileSync(path.join(dir, HASH_FILE), 'utf8').trim() === hash
    );
  } catch {
    return false;
  }
}

export function markFresh(dir: string, hash: string): void {
  fs.writeFileSync(path.join(dir, HASH_FILE), `${hash}\n`);
}

export interface BundlePlan {
  /** The folder AdminJS is to use (ADMIN_JS_TMP_DIR): it serves `<dir>/bundle.js`. */
  dir: string;
  hash: string;
  /** False: the components must be bundled into `dir` before the panel serves. */
  fresh: boolean;
  /** True when the bundle is the one `npm run build` made. */
  prebuilt: boolean;
}

/**
 * Which bundle to serve: in production the one `npm run build` made, when it matches the sources;
 * else the last one in `bundleDir` when it matches; else a new one in `bundleDir`.
 */
export function planBundle(bundleDir: string, mode = bundleMode()): BundlePlan {
  const hash = componentsHash(componentsDir(), mode);
  if (mode === 'production' && isFresh(PREBUILT_DIR, hash)) {
    return { dir: PREBUILT_DIR, hash, fresh: true, prebuilt: true };
  }
  const dir = path.resolve(bundleDir);
  return { dir, hash, fresh: isFresh(dir, hash), prebuilt: false };
}
