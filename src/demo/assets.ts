/**
 * The web chat's script and styles, built when the sandbox starts: web/app.ts bundled by esbuild
 * (already the project's bundler) into memory, nothing written to the repository or to disk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WebAssets {
  script: string;
  styles: string;
}

const WEB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');

export async function buildWebAssets(): Promise<WebAssets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(WEB, 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error('esbuild produced no web chat bundle');
  const styles = await fs.readFile(path.join(WEB, 'style.css'), 'utf8');
  return { script, styles };
}
