/**
 * SHA256SUMS in GNU coreutils' format (`<hex>  <name>`, two spaces: text mode), so a customer
 * runs `sha256sum -c SHA256SUMS` in the export folder; signed in minisign's format as
 * SHA256SUMS.minisig. Names are the export's own (ids, fixed names), never needing the
 * backslash escapes GNU uses for odd names: one that would is refused rather than escaped.
 */
import { createHash } from 'node:crypto';
import { SunderError } from '../errors.js';
import { signMinisign, type MinisignKey } from '../crypto/minisign.js';

export const SUMS_FILE = 'SHA256SUMS';
export const SIGNATURE_FILE = 'SHA256SUMS.minisig';

export function formatSums(files: readonly { name: string; sha256: string }[]): string {
  return files.map((f) => {
    if (/[\\\n\r]/.test(f.name) || f.name.startsWith('/')) throw new SunderError('INTERNAL', 'an export file name needs escaping in SHA256SUMS');
    return `${f.sha256}  ${f.name}\n`;
  }).join('');
}

/** Parses SHA256SUMS (text or binary mode markers); EXPORT_TAMPERED for a malformed line. */
export function parseSums(text: string): { name: string; sha256: string }[] {
  const out: { name: string; sha256: string }[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m === null) throw new SunderError('EXPORT_TAMPERED', `SHA256SUMS line ${i + 1} is not a sha256sum line`, { path: [SUMS_FILE, i + 1] });
    out.push({ sha256: m[1]!, name: m[2]! });
  }
  return out;
}

export const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The signed SHA256SUMS and its signature, plus the sums file's own hash. */
export function signedSums(files: readonly { name: string; sha256: string }[], key: MinisignKey, exportId: string): { sums: string; signature: string; sumsSha256: string } {
  const sums = formatSums(files);
  const trusted = `timestamp:${Math.floor(Date.now() / 1000)}\tfile:${SUMS_FILE}\tsunder-export:${exportId}`;
  return { sums, signature: signMinisign(key, Buffer.from(sums, 'utf8'), trusted), sumsSha256: sha256Hex(sums) };
}
