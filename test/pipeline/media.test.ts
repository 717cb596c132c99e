/**
 * Media end to end: the sample collection with media goes through ingest (strip, hash, encrypt
 * to the subject, store under a random id) and export (decrypt to DIR/media/). Checks that each
 * stored file is listed with the right kind, format and hash, that the exported bytes hash to the
 * listed value and decode to the original's pixels or samples, that no marker, file name, name or
 * mobile survives in any byte, that rejected records leave no media object behind, and that a
 * 200 MB file streams through with bounded memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync, openSync, readFileSync, readSync, closeSync, readdirSync, createReadStream } from 'node:fs';
import { once } from 'node:events';
import { basename, extname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { createMediaStripper } from '../../src/media/index.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import type { Outcome } from '../../src/record/outcome.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import { readMediaManifest, type SampleMediaEntry } from '../../fixtures/lib/sample-media-manifest.js';
import { createRng } from '../../fixtures/lib/rng.js';
import { fictionalPerson, UniqueIdentifiers } from '../../fixtures/lib/person.js';
import { announceMissingOracles, decodedHash, hasDebianFfmpeg, pixels } from '../media/helpers.js';

announceMissingOracles('media through the pipeline');

/** A little-endian u32, for hand-built RIFF chunks. */
function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

/** The `fmt ` chunk body of 16-bit stereo 48 kHz PCM. */
const PCM_FMT = (() => {
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(2, 2);
  fmt.writeUInt32LE(48000, 4);
  fmt.writeUInt32LE(48000 * 4, 8);
  fmt.writeUInt16LE(4, 12);
  fmt.writeUInt16LE(16, 14);
  return fmt;
})();
import { filesBelow, findValuesInFiles, readJsonl, SAMPLE_DIR, SAMPLE_NDJSON, type Expected } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const manifest = readMediaManifest(join(SAMPLE_DIR, 'media.json'));
const CLASS: Record<string, string> = { audio: 'audio', image: 'image', portrait: 'image', video: 'video' };
const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp']);

interface ExportedMedia { id: string; file: string; kind: string; format: string; mime: string; bytes: number; sha256: string; width?: number; height?: number; durationMs?: number }
interface ManifestLine { id: string; project: string; collectedAt: string; media?: ExportedMedia[] }

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function listMediaObjects(dataDir: string): string[] {
  const dir = join(layoutOf({ dataDir }).objects, 'media');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function ingestFile(dataDir: string, file: string): Promise<Outcome[]> {
  const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
  try {
    const out: Outcome[] = [];
    await ingestor.ingestFile(file).done((o) => out.push(o));
    return out;
  } finally {
    await ingestor.close();
  }
}

/** SHA-256 of what the stripper alone makes of a file: the pipeline must list and export exactly this. */
async function strippedSha(path: string): Promise<string> {
  const stripper = createMediaStripper();
  try {
    const r = await stripper.strip(path);
    const h = createHash('sha256');
    try {
      for await (const c of r.stream) h.update(c as Buffer);
    } finally {
      await r.dispose();
    }
    return h.digest('hex');
  } finally {
    await stripper.close();
  }
}

describe('a large file', () => {
  const SIZE = 200 * 1024 * 1024;
  const MARKER = 'SNDRLARGE_LIST_7f3a9c21';

  /** A 16-bit stereo 48 kHz WAV with SIZE bytes of PCM and a LIST/INFO chunk before the data; returns the PCM's SHA-256. */
  async function writeLargeWav(path: string): Promise<string> {
    const u32 = u32le;
    const fmt = PCM_FMT;
    const inam = Buffer.from(`${MARKER}\0`);
    const list = Buffer.concat([Buffer.from('LIST'), u32(4 + 8 + inam.length), Buffer.from('INFO'), Buffer.from('INAM'), u32(inam.length), inam]);
    const header = Buffer.concat([Buffer.from('RIFF'), u32(4 + 8 + 16 + list.length + 8 + SIZE), Buffer.from('WAVE'), Buffer.from('fmt '), u32(16), fmt, list, Buffer.from('data'), u32(SIZE)]);
    const ws = createWriteStream(path);
    ws.write(header);
    const rng = createRng(99);
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(rng.int(0, 0xffffffff) >>> 0, i);
    const h = createHash('sha256');
    for (let i = 0; i < SIZE / block.length; i++) {
      block.writeUInt32LE(i, 0); // each MiB differs from the last
      h.update(block);
      if (!ws.write(Buffer.from(block))) await once(ws, 'drain');
    }
    ws.end();
    await once(ws, 'close');
    return h.digest('hex');
  }

  /** SHA-256 of a WAV's data chunk, read in a stream. */
  async function dataChunkSha(path: string): Promise<{ sha: string; bytes: number; hasMarker: boolean }> {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(4096);
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const at = head.indexOf('data', 12, 'latin1');
    const len = head.readUInt32LE(at + 4);
    const h = createHash('sha256');
    let bytes = 0;
    for await (const c of createReadStream(path, { start: at + 8, end: at + 8 + len - 1, highWaterMark: 1 << 20 })) {
      h.update(c as Buffer);
      bytes += (c as Buffer).length;
    }
    return { sha: h.digest('hex'), bytes, hasMarker: head.includes(MARKER) };
  }

  it('streams 200 MB through ingest and export with RSS growth well under the file size', async () => {
    const work = tempDir();
    const input = join(work, 'in');
    mkdirSync(input);
    const pcmSha = await writeLargeWav(join(input, '王小明-13800138000.wav'));
    const rng = createRng(7);
    const p = fictionalPerson(rng, new UniqueIdentifiers(), { birthDate: '1985-06-01', has: { id: false, phone: true, email: false } });
    const rec = {
      recordId: 'large-1', project: 'media-e2e', collectedAt: '2022-04-01T10:00:00+08:00',
      subject: { name: p.name.full, birthDate: p.birthDate, phone: p.phone },
      consent: { policyVersion: '2022-01', grantedAt: '2022-04-01T09:00:00+08:00', scopes: ['voice'] },
      business: { media: [{ kind: 'audio', path: '王小明-13800138000.wav' }] },
    };
    const dataDir = join(work, 'data');
    const out = join(work, 'export');

    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage.rss();
    const baseBuffers = process.memoryUsage().arrayBuffers;
    let peak = base;
    let peakBuffers = baseBuffers;
    const sample = (): void => {
      const u = process.memoryUsage();
      peak = Math.max(peak, u.rss);
      peakBuffers = Math.max(peakBuffers, u.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    const outs: Outcome[] = [];
    const started = Date.now();
    try {
      const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
      try {
        await ingestor.ingest([rec], { mediaRoot: input }).done((o) => outs.push(o));
      } finally {
        await ingestor.close();
      }
      await exportDataset({ dataDir, out });
    } finally {
      clearInterval(timer);
    }
    sample();
    const growth = peak - base;
    const mib = (n: number): number => Math.round(n / 2 ** 20);
    console.log(`large WAV: ${mib(SIZE)} MiB through ingest + export in ${Date.now() - started} ms; RSS ${mib(base)} -> peak ${mib(peak)} MiB (growth ${mib(growth)} MiB); Buffers ${mib(baseBuffers)} -> peak ${mib(peakBuffers)} MiB`);
    expect(outs[0]).toMatchObject({ status: 'stored' });
    expect(growth).toBeLessThan(SIZE / 4);
    expect(peakBuffers - baseBuffers).toBeLessThan(SIZE / 4);
    // The whole file went through: the stored ciphertext is at least as large as the PCM.
    const objects = listMediaObjects(dataDir);
    expect(objects).toHaveLength(1);
    expect(statSync(join(layoutOf({ dataDir }).objects, 'media', objects[0]!)).size).toBeGreaterThan(SIZE);

    const [line] = readJsonl<ManifestLine>(join(out, 'manifest.jsonl'));
    const m = line!.media![0]!;
    const exported = join(out, m.file);
    const got = await dataChunkSha(exported);
    expect(got).toEqual({ sha: pcmSha, bytes: SIZE, hasMarker: false });
    const h = createHash('sha256');
    for await (const c of createReadStream(exported, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
    expect(h.digest('hex')).toBe(m.sha256);
    expect(m).toMatchObject({ kind: 'audio', format: 'wav' });
  }, 300_000);
});

describe('media in the sample collection, ingest to export', () => {
  const dataDir = tempDir();
  const out = join(tempDir(), 'export');
  let outcomes: Outcome[];
  let lines: ManifestLine[];
  /** recordId -> the export line of that record (joined on project + collectedAt). */
  const lineOf = new Map<string, ManifestLine>();
  const stored = manifest.files.filter((f) => f.outcome === 'stored');

  beforeAll(async () => {
    outcomes = await ingestFile(dataDir, SAMPLE_NDJSON);
    await exportDataset({ dataDir, out });
    lines = readJsonl<ManifestLine>(join(out, 'manifest.jsonl'));
    const byKey = new Map<string, ManifestLine[]>();
    for (const l of lines) byKey.set(`${l.project}|${l.collectedAt}`, [...(byKey.get(`${l.project}|${l.collectedAt}`) ?? []), l]);
    const ids = new Set(manifest.files.map((f) => f.recordId));
    for (const raw of readFileSync(SAMPLE_NDJSON, 'utf8').split('\n')) {
      let rec: { recordId?: string; project?: string; collectedAt?: string };
      try {
        rec = JSON.parse(raw) as typeof rec;
      } catch {
        continue;
      }
      if (rec === null || typeof rec !== 'object' || !ids.has(rec.recordId!)) continue;
      const hits = byKey.get(`${rec.project}|${rec.collectedAt}`) ?? [];
      if (hits.length === 1) lineOf.set(rec.recordId!, hits[0]!);
    }
  });

  it('gives every record with media the outcome media.json and expected.jsonl name', () => {
    const expected = readJsonl<Expected>(join(SAMPLE_DIR, 'expected.jsonl'));
    for (const recordId of new Set(manifest.files.map((f) => f.recordId))) {
      const o = outcomes.find((x) => x.recordId === recordId)!;
      const e = expected.find((x) => x.recordId === recordId)!;
      const want = manifest.files.find((f) => f.recordId === recordId)!.outcome;
      expect(o.status, recordId).toBe(want);
      expect({ status: o.status, code: 'code' in o ? o.code : undefined, path: 'path' in o ? o.path : undefined }, recordId).toEqual({ status: e.status, code: e.code, path: e.path });
    }
    expect(outcomes.filter((o) => o.status === 'rejected' && o.code === 'MEDIA_REJECTED')).toHaveLength(5);
  });

  it('lists each stored file in its business object with the right kind, format, size and SHA-256 of the stripped bytes', async () => {
    const withMedia = [...new Set(stored.map((f) => f.recordId))];
    expect(withMedia.length).toBeGreaterThanOrEqual(8);
    for (const recordId of withMedia) {
      const line = lineOf.get(recordId);
      expect(line, `${recordId} is exported once`).toBeDefined();
      const files = stored.filter((f) => f.recordId === recordId).sort((a, b) => a.position - b.position);
      expect(line!.media?.length, recordId).toBe(files.length);
      for (const [i, f] of files.entries()) {
        const m = line!.media![i]!;
        expect({ kind: m.kind, format: m.format }, f.path).toEqual({ kind: CLASS[f.kind], format: f.format });
        expect(m.sha256, f.path).toBe(await strippedSha(join(SAMPLE_DIR, f.path)));
        expect(m.sha256, `${f.path}: stripping changed the bytes`).not.toBe(f.sha256);
        // Containers are stripped in place (dropped boxes and samples zeroed, no offset moves): same size.
        if (['mp4', 'mov', 'm4a', 'ogg'].includes(f.format)) expect(m.bytes, f.path).toBe(f.bytes!);
        else expect(m.bytes, f.path).toBeLessThan(f.bytes!);
        if (IMAGE_FORMATS.has(f.format)) expect(m.width! > 0 && m.height! > 0, f.path).toBe(true);
        else expect(m.durationMs!, f.path).toBeGreaterThan(0);
      }
    }
    // Every exported media entry belongs to one of those records: nothing else carries media.
    expect(lines.flatMap((l) => l.media ?? [])).toHaveLength(stored.length);
  });

  it('exports files whose SHA-256 and size are the listed ones, named by export-scoped ids', () => {
    const listed = lines.flatMap((l) => l.media ?? []);
    expect(listed.length).toBe(stored.length);
    for (const m of listed) {
      expect(m.file).toMatch(/^media\/[A-Za-z0-9_-]{16,}\.(wav|jpg|png|webp|mp4|mp3|flac)$/);
      expect(basename(m.file, extname(m.file))).toBe(m.id);
      const path = join(out, m.file);
      expect(readFileSync(path).length).toBe(m.bytes);
      expect(sha256File(path)).toBe(m.sha256);
    }
    expect(readdirSync(join(out, 'media'))).toHaveLength(stored.length);
  });

  it.skipIf(!hasDebianFfmpeg)('exports the same pixels and decoded samples as the originals (sharp raw decode; ffmpeg decode)', async () => {
    let checked = 0;
    for (const f of stored) {
      const m = lineOf.get(f.recordId)!.media![f.position]!;
      const original = join(SAMPLE_DIR, f.path);
      const exported = join(out, m.file);
      if (IMAGE_FORMATS.has(f.format)) expect(await pixels(exported), f.path).toBe(await pixels(original));
      else expect(decodedHash(exported), f.path).toBe(decodedHash(original));
      checked++;
    }
    expect(checked).toBe(stored.length);
  });

  const needles = (): string[] => {
    const all = new Set<string>();
    for (const f of manifest.files) {
      for (const m of f.markers) all.add(m);
      for (const p of f.personal) all.add(p);
      const name = basename(f.path);
      all.add(name);
      all.add(basename(name, extname(name)));
    }
    return [...all];
  };

  it('the search finds markers and names in the originals (so the leak checks below can fail)', () => {
    const originals = manifest.files.filter((f) => f.bytes !== undefined && f.recipe !== 'truncated-jpeg').map((f) => join(SAMPLE_DIR, f.path));
    const hits = findValuesInFiles(originals, needles());
    for (const f of manifest.files.filter((x) => x.bytes !== undefined && x.recipe !== 'truncated-jpeg')) {
      expect(hits.filter((h) => h.file.endsWith(f.path)).length, f.path).toBeGreaterThanOrEqual(f.markers.length);
    }
    // records.ndjson names every file, so the file names are found there.
    const names = manifest.files.map((f) => basename(f.path));
    expect(findValuesInFiles([SAMPLE_NDJSON], names)).toHaveLength(names.length);
  });

  it('leaves no marker, original file name, name or mobile in any byte under the data directory (UTF-8 and UTF-16LE)', () => {
    const files = filesBelow(dataDir);
    expect(files.filter((f) => f.includes('/objects/media/')).length).toBe(stored.length);
    expect(findValuesInFiles(files, needles())).toEqual([]);
  });

  it('leaves no marker, original file name, name or mobile in any byte of the export', () => {
    const files = filesBelow(out);
    expect(files.filter((f) => f.includes('/media/')).length).toBe(stored.length);
    expect(findValuesInFiles(files, needles())).toEqual([]);
  });

  it('stores media under random ids only: no name from the record, the file or its content', () => {
    const objects = listMediaObjects(dataDir);
    expect(objects).toHaveLength(stored.length);
    for (const o of objects) expect(o).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(objects).size).toBe(objects.length);
  });

  it('leaves no media object of a rejected record: objects/media holds exactly the stored files', async () => {
    const vault = new SqliteVault(layoutOf({ dataDir }).vault);
    try {
      const rejected = [...new Set(manifest.files.filter((f) => f.outcome === 'rejected').map((f) => f.recordId))];
      expect(rejected.length).toBe(6);
      for (const id of rejected) expect(await vault.mediaOf(id), id).toEqual([]);
      let rows = 0;
      for (const id of new Set(stored.map((f) => f.recordId))) rows += (await vault.mediaOf(id)).length;
      expect(rows).toBe(stored.length);
      expect(await vault.listPending()).toEqual([]);
    } finally {
      await vault.close();
    }
    expect(listMediaObjects(dataDir)).toHaveLength(stored.length);
    expect(listMediaObjects(dataDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('a record with two media files', () => {
  const rng = createRng(4242);
  const unique = new UniqueIdentifiers();
  const file = (recipe: string): SampleMediaEntry => manifest.files.find((f) => f.recipe === recipe && f.bytes !== undefined && f.outcome === 'stored')!;
  const missing = manifest.files.find((f) => f.recipe === 'missing')!;
  const good = file('wav');
  const goodImage = file('jpeg');
  const truncated = manifest.files.find((f) => f.recipe === 'truncated-jpeg')!;
  const text = manifest.files.find((f) => f.recipe === 'text')!;

  let n = 0;
  const record = (media: { kind: string; path: string }[]) => {
    const p = fictionalPerson(rng, unique, { birthDate: '1988-04-02', has: { id: false, phone: true, email: false } });
    n++;
    return {
      recordId: `two-${n}`,
      project: 'media-e2e',
      collectedAt: `2022-03-0${n}T10:00:00+08:00`,
      subject: { name: p.name.full, birthDate: p.birthDate, phone: p.phone },
      consent: { policyVersion: '2022-01', grantedAt: '2022-03-01T09:00:00+08:00', scopes: ['voice', 'image', 'video', 'portrait'] },
      business: { media },
    };
  };

  async function ingestOne(rec: unknown): Promise<{ outcome: Outcome; objects: string[]; dataDir: string }> {
    const dataDir = tempDir();
    const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
    const outs: Outcome[] = [];
    try {
      await ingestor.ingest([rec], { mediaRoot: SAMPLE_DIR }).done((o) => outs.push(o));
    } finally {
      await ingestor.close();
    }
    return { outcome: outs[0]!, objects: listMediaObjects(dataDir), dataDir };
  }

  it('stores both when both are good (so the counts below can fail)', async () => {
    const r = await ingestOne(record([{ kind: 'audio', path: good.path }, { kind: 'portrait', path: goodImage.path }]));
    expect(r.outcome.status).toBe('stored');
    expect(r.objects).toHaveLength(2);
  });

  for (const [why, second, kind] of [
    ['missing', missing, 'audio'],
    ['truncated', truncated, 'image'],
    ['not a known format', text, 'audio'],
    ['not the declared kind', goodImage, 'video'],
  ] as const) {
    it(`leaves no object of the first when the second is ${why}, and no subject, record or pending mark`, async () => {
      const r = await ingestOne(record([{ kind: 'audio', path: good.path }, { kind, path: second.path }]));
      expect(r.outcome).toMatchObject({ status: 'rejected', code: 'MEDIA_REJECTED', path: 'business.media.1.path' });
      // The reason names the failure by code, never the file.
      const reason = 'reason' in r.outcome ? String(r.outcome.reason) : '';
      for (const v of [basename(second.path), basename(good.path), ...second.personal, ...good.personal]) expect(reason).not.toContain(v);
      expect(r.objects).toEqual([]);
      const vault = new SqliteVault(layoutOf({ dataDir: r.dataDir }).vault);
      try {
        expect(await vault.counts()).toMatchObject({ subjects: 0, records: 0 });
        expect(await vault.listPending()).toEqual([]);
      } finally {
        await vault.close();
      }
      expect(findValuesInFiles(filesBelow(r.dataDir), [...good.markers, ...good.personal])).toEqual([]);
    });
  }
});

describe('media step limits', () => {
  const wavOf = (bytes: number, seed: number): Buffer => {
    const u32 = u32le;
    const fmt = PCM_FMT;
    const pcm = Buffer.alloc(bytes);
    const rng = createRng(seed);
    for (let i = 0; i < bytes; i += 4) pcm.writeUInt32LE(rng.int(0, 0xffffffff) >>> 0, i);
    return Buffer.concat([Buffer.from('RIFF'), u32(4 + 24 + 8 + bytes), Buffer.from('WAVE'), Buffer.from('fmt '), u32(16), fmt, Buffer.from('data'), u32(bytes), pcm]);
  };
  const recordsOf = (paths: string[], prefix: string) => {
    const rng = createRng(31);
    const unique = new UniqueIdentifiers();
    return paths.map((path, i) => {
      const p = fictionalPerson(rng, unique, { birthDate: '1984-02-03', has: { id: false, phone: true, email: false } });
      return {
        recordId: `${prefix}-${i}`, project: 'media-e2e', collectedAt: '2022-05-01T10:00:00+08:00',
        subject: { name: p.name.full, birthDate: p.birthDate, phone: p.phone },
        consent: { policyVersion: '2022-01', grantedAt: '2022-05-01T09:00:00+08:00', scopes: ['voice'] },
        business: { media: [{ kind: 'audio', path }] },
      };
    });
  };

  it('keeps memory bounded when one batch carries many files (64 records of 4 MiB)', async () => {
    const work = tempDir();
    const input = join(work, 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'clip.wav'), wavOf(4 << 20, 5));
    const recs = recordsOf(Array.from({ length: 64 }, () => 'clip.wav'), 'many');
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage.rss();
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const outs: Outcome[] = [];
    try {
      const ingestor = await Ingestor.open({ dataDir: join(work, 'data'), media: createMediaStep });
      try {
        await ingestor.ingest(recs, { mediaRoot: input }).done((o) => outs.push(o));
      } finally {
        await ingestor.close();
      }
    } finally {
      clearInterval(timer);
    }
    const total = 64 * (4 << 20);
    console.log(`one batch, 64 x 4 MiB: RSS growth ${Math.round((peak - base) / 2 ** 20)} MiB for ${total / 2 ** 20} MiB of media`);
    expect(outs.filter((o) => o.status === 'stored')).toHaveLength(64);
    expect(listMediaObjects(join(work, 'data'))).toHaveLength(64);
    // All 64 files streaming at once took about 330 MiB here; a few at a time, under 100.
    expect(peak - base).toBeLessThan(total / 2);
  }, 120_000);

  it('refuses a path that leads outside the media root, by name or through a symbolic link', async () => {
    const work = tempDir();
    const input = join(work, 'in');
    mkdirSync(input);
    const outside = join(work, 'outside.wav');
    writeFileSync(outside, wavOf(4096, 6));
    writeFileSync(join(input, 'inside.wav'), wavOf(4096, 6));
    symlinkSync(outside, join(input, 'link.wav'));
    const recs = recordsOf(['inside.wav', '../outside.wav', outside, 'link.wav', 'sub/../../outside.wav'], 'root');
    const dataDir = join(work, 'data');
    const outs: Outcome[] = [];
    const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
    try {
      await ingestor.ingest(recs, { mediaRoot: input }).done((o) => outs.push(o));
    } finally {
      await ingestor.close();
    }
    expect(outs.map((o) => [o.status, 'code' in o ? o.code : undefined, 'path' in o ? o.path : undefined])).toEqual([
      ['stored', undefined, undefined],
      ...Array.from({ length: 4 }, () => ['rejected', 'MEDIA_REJECTED', 'business.media.0.path']),
    ]);
    expect(listMediaObjects(dataDir)).toHaveLength(1);
  });
});
