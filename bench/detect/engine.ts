/**
 * Which build of Sunder's engine the bench races. Production runs the compiled JavaScript in
 * `dist/`, so that is what the bench measures whenever `dist/` is at least as new as the
 * sources; under tsx every use of an imported binding costs a getter call, which would
 * understate the engine. A missing or stale build falls back to the sources under tsx, and the
 * bench says so in its output.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Detect = typeof import('../../src/detect/index.js');
type Mask = typeof import('../../src/mask/index.js');

export interface Engine {
  createScanner: Detect['createScanner'];
  applyOperators: Mask['applyOperators'];
  /** Human-readable: which build this is. */
  label: string;
  compiled: boolean;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Source folders the engine is built from. */
const SOURCES = ['src/detect', 'src/mask', 'src/id'];

/** The first source file whose compiled `.js` in dist/ is missing or older, or undefined. */
function staleSource(): string | undefined {
  const walk = (dir: string): string | undefined => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) {
        const s = walk(rel);
        if (s !== undefined) return s;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const js = join(ROOT, 'dist', rel.slice('src/'.length).replace(/\.ts$/, '.js'));
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, rel)).mtimeMs) return rel;
      }
    }
    return undefined;
  };
  for (const d of SOURCES) {
    const s = walk(d);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** The compiled engine from dist/ when fresh (or `forceSource` is false and it is), else the sources. */
export async function loadEngine(forceSource = false): Promise<Engine> {
  const stale = forceSource ? 'forced by --src' : staleSource();
  if (stale === undefined) {
    const detect = (await import(pathToFileURL(join(ROOT, 'dist/detect/index.js')).href)) as Detect;
    const mask = (await import(pathToFileURL(join(ROOT, 'dist/mask/index.js')).href)) as Mask;
    return { createScanner: detect.createScanner, applyOperators: mask.applyOperators, label: 'compiled dist/detect/index.js (production build)', compiled: true };
  }
  const detect = await import('../../src/detect/index.js');
  const mask = await import('../../src/mask/index.js');
  return {
    createScanner: detect.createScanner,
    applyOperators: mask.applyOperators,
    label: `sources under tsx (dist/ not used: ${stale}; run \`npm run build\` for the production figure)`,
    compiled: false,
  };
}
