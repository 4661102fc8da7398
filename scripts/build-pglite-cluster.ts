/**
 * `npm run build`'s last step: runs the embedded database's initdb once, here, and keeps what it
 * makes as dist/pglite/cluster.tar.gz. A first start on an empty DATA_DIR loads it instead of running
 * initdb, which PGlite does in two more WASM instances beside the database (peak RSS ~830 MB at
 * first start otherwise: more than a 512 MB container has). The cluster is PGlite's (pinned in
 * package.json), so the build that compiles the app makes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { initdbCluster } from '../src/db/embedded.js';

const out = path.resolve(process.argv[2] ?? 'dist/pglite/cluster.tar.gz');
const started = Date.now();
const tar = await initdbCluster();
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, Buffer.from(tar));
console.log(
  `embedded database cluster into ${path.relative(process.cwd(), out)} in ${Date.now() - started} ms: ` +
    `${(tar.byteLength / 1024 / 1024).toFixed(2)} MB`,
);
