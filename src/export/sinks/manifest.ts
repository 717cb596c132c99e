/** The default layout: DIR/manifest.jsonl, one line per object, and its media under DIR/media/. */
import type { OpenFile, OutputFiles } from './output-files.js';
import { finishExport, type Signing } from './finish.js';
import type { ExportSink, SampleMedia, SinkResult, WrittenMedia } from './sink.js';

export const MANIFEST_FILE = 'manifest.jsonl';

export class ManifestSink implements ExportSink {
  readonly format = 'manifest' as const;
  private readonly manifest: OpenFile;

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
    await this.manifest.write(JSON.stringify(line) + '\n');
  }

  async addFile(name: string, content: string | Buffer): Promise<void> {
    await this.files.fromBytes(name, content);
  }

  async finish(): Promise<SinkResult> {
    await this.manifest.close();
    return finishExport(this.files, this.format, this.signing);
  }

  async abort(): Promise<void> {
    await this.manifest.close().catch(() => undefined);
  }
}
