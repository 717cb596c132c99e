/** Opens the sink for an export format over a folder (the export's temporary folder). */
import { SunderError } from '../../errors.js';
import { checkAgeRecipient } from '../seal.js';
import type { Signing } from './finish.js';
import { ManifestSink } from './manifest.js';
import { OutputFiles } from './output-files.js';
import { EXPORT_FORMATS, type ExportFormat, type ExportSink, type SinkOptions } from './sink.js';
import { WebDatasetSink } from './webdataset.js';

export function openSink(format: ExportFormat, dir: string, options: SinkOptions & { signing: Signing }): ExportSink {
  if (!EXPORT_FORMATS.includes(format)) throw new SunderError('CONFIG_INVALID', `unknown export format; expected one of ${EXPORT_FORMATS.join(', ')}`, { path: ['format'] });
  if (options.sealTo !== undefined) checkAgeRecipient(options.sealTo);
  const files = new OutputFiles(dir, options.sealTo);
  return format === 'manifest' ? new ManifestSink(files, options.signing) : new WebDatasetSink(files, options.signing, options.shardSize);
}

/** "1GB", "500MB", "64MiB", "1000000": bytes (decimal units, binary with "i"). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$/i.exec(text);
  if (m === null) throw new SunderError('CONFIG_INVALID', 'a size is a number with an optional unit (KB, MB, GB, KiB, MiB, GiB)', { path: ['shardSize'] });
  const power = ['', 'k', 'm', 'g', 't'].indexOf(m[2]!.toLowerCase());
  const bytes = Math.floor(Number(m[1]) * (m[3] === '' ? 1000 : 1024) ** power);
  if (bytes < 10 * 1024) throw new SunderError('CONFIG_INVALID', 'the shard size must be at least 10 KiB', { path: ['shardSize'] });
  return bytes;
}
