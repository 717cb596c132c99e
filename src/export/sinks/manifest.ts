/** The default layout: DIR/manifest.jsonl, one line per object, and its media under DIR/media/. */
import type { OpenFile, OutputFiles } from './output-files.js';
import { finishExport, type Signing } from './finish.js';
import type { ExportSink, SampleMedia, SinkResult, WrittenMedia } from './sink.js';

export const MANIFEST_FILE = 'manifest.jsonl';
/** Lines are handed to the file in batches of about this many characters: one stream write per line costs more than the line. */
const BATCH_CHARS = 64 * 1024;

export class ManifestSink implements ExportSink {
  readonly format = 'manifest' as const;
  private readonly manifest: OpenFile;
  private pending = '';

  constructor(private readonly files: OutputFiles, private readonly signing: Signing) {
    this.manifest = files.open(MANIFEST_FILE);
  }

  async addSample(line: Record<string, unknown> & { id: string }, media: SampleMedia[]): Promise<void> {
    if (media.length > 0) {
      const entries: WrittenMedia[] = [];
      for (const m of media) {
        const file = `media/${m.id}.${m.ext}`;
        const written = await this.files.fromStream(file, m.stream);
        entries.push({ id: m.id, file, ...m.meta, sha256: written.sha256 });
      }
      line.media = entries;
    }
    this.pending += JSON.stringify(line) + '\n';
    if (this.pending.length >= BATCH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text !== '') await this.manifest.write(text);
  }

  async addFile(name: string, content: string | Buffer): Promise<void> {
    await this.files.fromBytes(name, content);
  }

  async finish(): Promise<SinkResult> {
    await this.flush();
    await this.manifest.close();
    return finishExport(this.files, this.format, this.signing);
  }

  async abort(): Promise<void> {
    this.pending = '';
    await this.manifest.close().catch(() => undefined);
  }
}
