/** The end of every export, whatever its format: README.md, SHA256SUMS and its signature. */
import type { MinisignKey } from '../../crypto/minisign.js';
import { SIGNATURE_FILE, SUMS_FILE, signedSums } from '../checksums.js';
import type { OutputFiles } from './output-files.js';
import { readmeText } from './readme.js';
import type { ExportFormat, SinkResult } from './sink.js';

export interface Signing {
  key: MinisignKey;
  /** Named in the signature's trusted comment. */
  exportId: string;
}

export async function finishExport(files: OutputFiles, format: ExportFormat, signing: Signing): Promise<SinkResult> {
  await files.fromBytes('README.md', readmeText(format));
  const listed = [...files.written];
  const { sums, signature, sumsSha256 } = signedSums(listed, signing.key, signing.exportId);
  // Neither lists itself: SHA256SUMS is checked by its signature, the signature by the key.
  await files.fromBytes(SUMS_FILE, sums, { listed: false });
  await files.fromBytes(SIGNATURE_FILE, signature, { listed: false });
  return { files: listed, manifestSha256: sumsSha256 };
}
