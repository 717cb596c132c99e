/** Every regular file below a folder, sorted (an export is small in files, large in bytes). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SunderError } from '../errors.js';
import { osError } from '../os-errors.js';

export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SunderError('FILE_NOT_FOUND', `no export at ${d}`, { path: ['dir'] });
      throw osError(err, { what: 'reading the export', path: d });
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else throw new SunderError('EXPORT_TAMPERED', `the export holds ${e.name}, neither a file nor a folder`, { path: [e.name] });
    }
  };
  await walk(dir);
  return out;
}
