/**
 * `npm run build`'s second step (after tsc): bundles the panel's custom components for production
 * into dist/panel (bundle.js and bundle.hash, see src/admin/bundle.ts), and writes brotli and gzip
 * copies, at the best compression, of every file the panel serves (AdminJS's production bundles,
 * its styles and fonts, and ours) into dist/panel/assets, named by content (src/admin/assets.ts).
 * `npm run start:prod` then starts without bundling or compressing anything.
 */
import fs from 'node:fs';
import path from 'node:path';

const out = path.resolve(process.argv[2] ?? 'dist/panel');
// AdminJS reads both when first imported: a production (minified) bundle, written to `out`.
process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_TMP_DIR = out;
process.env.ADMIN_JS_SKIP_BUNDLE = 'true';

const started = Date.now();
const { default: AdminJS, ComponentLoader, Router } = await import('adminjs');
const { componentsBundler, generateUserComponentEntry } = await import('adminjs/bundler');
const { componentsDir, componentsHash, markFresh, registerComponents } =
  await import('../src/admin/bundle.js');
const { compress, contentTag, panelAssetList, precompressedName } = await import('../src/admin/assets.js');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'assets'), { recursive: true });

const dir = componentsDir();
const loader = new ComponentLoader();
registerComponents(loader);
const admin = new AdminJS({ componentLoader: loader });
await componentsBundler.createEntry({ content: generateUserComponentEntry(admin, out) });
await componentsBundler.build();
markFresh(out, componentsHash(dir, 'production'));

let raw = 0;
let brotli = 0;
for (const asset of panelAssetList(Router.assets, path.join(out, 'bundle.js'))) {
  if (!/\.(js|css|svg|ttf|eot)$/.test(asset.src)) continue;
  const body = fs.readFileSync(asset.src);
  const tag = contentTag(body);
  const br = await compress(body, 'br', true);
  fs.writeFileSync(path.join(out, 'assets', precompressedName(asset.src, tag, 'br')), br);
  fs.writeFileSync(
    path.join(out, 'assets', precompressedName(asset.src, tag, 'gzip')),
    await compress(body, 'gzip', true),
  );
  raw += body.length;
  brotli += br.length;
}
fs.rmSync(path.join(out, 'entry.js'), { force: true });
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
console.log(
  `panel bundled into ${path.relative(process.cwd(), out)} in ${Date.now() - started} ms: ${mb(raw)} of assets, ${mb(brotli)} with brotli`,
);
