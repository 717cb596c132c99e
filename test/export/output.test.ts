/**
 * The export's output side against the stock tools: sha256sum -c and minisign -V on a manifest
 * export, GNU tar on webdataset shards, age -d on a sealed export (and not with another key),
 * verify-export failing on a changed byte anywhere, and the leak check aborting an export whose
 * stored text names a vault subject (planted behind the scanner's back).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import { exportDataset } from '../../src/export/export.js';
import { layoutOf } from '../../src/layout.js';
import { loadRoleKeys } from '../../src/crypto/keys.js';
import { LocalBlindIndexer } from '../../src/crypto/blind-index.js';
import { LeakChecker } from '../../src/export/leak-check.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import { decryptObject, encryptObject, readHeader } from '../../src/crypto/format.js';
import { businessContext } from '../../src/crypto/contexts.js';
import { STANZA_X25519, SubjectSecretRecipient, X25519Identity } from '../../src/crypto/recipient.js';
import { FsObjectStore } from '../../src/store/fs.js';
import { isSunderError } from '../../src/errors.js';
import { runCli } from '../faults/harness.js';
import { SAMPLE_NDJSON, filesBelow, readJsonl, sampleSubjects } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const TIMEOUT = 120_000;
const run = (cmd: string, args: string[], cwd?: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Line { id: string; project: string; collectedAt: string; text: unknown; attributes: unknown; media?: { file: string; sha256: string; kind: string }[] }

/** What a line holds apart from the per-export ids, for comparing two exports of the same data. */
const contentOf = (l: Line) => JSON.stringify([l.project, l.collectedAt, l.text, l.attributes, (l.media ?? []).map((m) => [m.kind, m.sha256])]);

describe('export output: formats, signatures, sealing, leak check', () => {
  const work = tempDir('sunder-export-output-');
  const dataDir = join(work, 'data');
  const layout = layoutOf({ dataDir });
  const pub = () => join(layout.keysDir, 'signing.pub');
  const identity = join(work, 'customer.key');
  const otherIdentity = join(work, 'other.key');
  let recipient = '';

  beforeAll(async () => {
    const ingestor = await Ingestor.open({ dataDir, media: createMediaStep });
    await ingestor.ingestFile(SAMPLE_NDJSON).done();
    await ingestor.close();
    for (const f of [identity, otherIdentity]) expect(run('age-keygen', ['-o', f]).status).toBe(0);
    recipient = run('age-keygen', ['-y', identity]).stdout.trim();
  }, TIMEOUT);

  it('manifest: sha256sum -c and minisign -V pass, each media entry hashes its file, README describes the fields', async () => {
    const out = join(work, 'manifest');
    const s = await exportDataset({ dataDir, out });
    expect(s.records).toBeGreaterThan(100);
    expect(s.media).toBeGreaterThan(0);
    const check = run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], out);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(s.files);
    const sig = run('minisign', ['-Vm', 'SHA256SUMS', '-p', pub()], out);
    expect(sig.status, sig.stderr).toBe(0);
    expect(sig.stdout).toContain(`sunder-export:${s.exportId}`);
    expect(s.manifestSha256).toBe(sha256(join(out, 'SHA256SUMS')));
    const lines = readJsonl<Line>(join(out, 'manifest.jsonl'));
    expect(lines).toHaveLength(s.records);
    const media = lines.flatMap((l) => l.media ?? []);
    expect(media).toHaveLength(s.media);
    for (const m of media) expect(sha256(join(out, m.file)), m.file).toBe(m.sha256);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    for (const field of ['`id`', '`pseudonym`', '`collectedAt`', '`media[]`', 'minisign -Vm']) expect(readme).toContain(field);
  }, TIMEOUT);

  it('webdataset: shards stay under the shard size, GNU tar reads them back, and they hold what the manifest export holds', async () => {
    const out = join(work, 'wds');
    const shardSize = 120_000;
    const s = await exportDataset({ dataDir, out: out, format: 'webdataset', shardSize });
    const shards = readdirSync(out).filter((n) => n.endsWith('.tar')).sort();
    expect(shards.length).toBeGreaterThan(1);
    expect(shards[0]).toBe('shard-000000.tar');
    for (const sh of shards) expect(statSync(join(out, sh)).size).toBeLessThanOrEqual(shardSize);
    expect(run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], out).status).toBe(0);
    expect(run('minisign', ['-Vm', 'SHA256SUMS', '-p', pub()], out).status).toBe(0);
    const samples: Line[] = [];
    for (const sh of shards) {
      const dir = join(work, 'wds-x', sh);
      mkdirSync(dir, { recursive: true });
      const x = run('tar', ['-xf', join(out, sh), '-C', dir]);
      expect(x.status, x.stderr).toBe(0);
      const names = readdirSync(dir);
      for (const n of names.filter((f) => f.endsWith('.json'))) {
        const line = JSON.parse(readFileSync(join(dir, n), 'utf8')) as Line;
        expect(n).toBe(`${line.id}.json`);
        for (const m of line.media ?? []) {
          expect(m.file.startsWith(`${line.id}.`)).toBe(true);
          expect(sha256(join(dir, m.file))).toBe(m.sha256);
        }
        samples.push(line);
      }
      // Every member belongs to a sample whose JSON is in the same shard.
      const keys = new Set(names.filter((f) => f.endsWith('.json')).map((f) => f.split('.')[0]));
      for (const n of names) expect(keys.has(n.split('.')[0])).toBe(true);
    }
    expect(samples).toHaveLength(s.records);
    const manifest = readJsonl<Line>(join(work, 'manifest', 'manifest.jsonl'));
    expect(samples.map(contentOf).sort()).toEqual(manifest.map(contentOf).sort());
  }, TIMEOUT);

  it('sealed: age opens every file with the customer key and with no other; open-export and verify-export --identity work', async () => {
    const out = join(work, 'sealed');
    const s = await exportDataset({ dataDir, out, sealTo: recipient });
    expect(s.sealed).toBe(true);
    const files = filesBelow(out);
    expect(files.length).toBe(s.files + 2);
    for (const f of files) {
      expect(f.endsWith('.age'), f).toBe(true);
      // The header names no recipient: one X25519 stanza of an ephemeral share only.
      const header = readFileSync(f).subarray(0, 200).toString('latin1');
      expect(header.startsWith('age-encryption.org/v1\n-> X25519 ')).toBe(true);
      expect(header).not.toContain(recipient.slice(4, 20));
      expect(run('age', ['-d', '-i', identity, '-o', '/dev/null', f]).status, f).toBe(0);
      expect(run('age', ['-d', '-i', otherIdentity, '-o', '/dev/null', f]).status, f).not.toBe(0);
    }
    const opened = join(work, 'opened');
    const o = await runCli(['--data', dataDir, 'open-export', out, '--identity', identity, '--out', opened]);
    expect(o.code, o.stderr).toBe(0);
    expect(run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], opened).status).toBe(0);
    expect(run('minisign', ['-Vm', 'SHA256SUMS', '-p', pub()], opened).status).toBe(0);
    expect(readJsonl<Line>(join(opened, 'manifest.jsonl'))).toHaveLength(s.records);
    const wrong = await runCli(['--data', dataDir, 'open-export', out, '--identity', otherIdentity, '--out', join(work, 'opened-wrong')]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('EXPORT_SEALED');
    expect(existsSync(join(work, 'opened-wrong'))).toBe(false);
    const v = await runCli(['--data', dataDir, 'verify-export', out, '--identity', identity, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, sealed: true, format: 'manifest' });
    expect((await runCli(['--data', dataDir, 'verify-export', out, '--identity', otherIdentity])).code).not.toBe(0);
  }, TIMEOUT);

  it('verify-export passes a clean export and fails on a changed byte anywhere, an added file, or a removed one', async () => {
    const clean = await runCli(['--data', dataDir, 'verify-export', join(work, 'manifest')]);
    expect(clean.code, clean.stderr).toBe(0);
    expect((await runCli(['--data', dataDir, 'verify-export', join(work, 'wds')])).code).toBe(0);
    const flip = (f: string, at = 0.5) => {
      const b = readFileSync(f);
      const i = Math.floor((b.length - 1) * at);
      b[i] = b[i]! ^ 0x01;
      writeFileSync(f, b);
    };
    const mediaFile = readdirSync(join(work, 'manifest', 'media'))[0]!;
    const cases: [string, string, (dir: string) => void][] = [
      ['manifest', 'manifest.jsonl', (d) => flip(join(d, 'manifest.jsonl'))],
      ['manifest', 'a media file', (d) => flip(join(d, 'media', mediaFile), 0.9)],
      ['manifest', 'README.md', (d) => flip(join(d, 'README.md'))],
      ['manifest', 'SHA256SUMS', (d) => flip(join(d, 'SHA256SUMS'), 0.1)],
      ['manifest', 'the signature', (d) => flip(join(d, 'SHA256SUMS.minisig'), 0.3)],
      ['manifest', 'an added file', (d) => writeFileSync(join(d, 'media', 'extra.wav'), 'x')],
      ['manifest', 'a removed file', (d) => rmSync(join(d, 'export.json'))],
      ['wds', 'a shard', (d) => flip(join(d, 'shard-000001.tar'), 0.6)],
      ['sealed', 'a sealed file', (d) => flip(join(d, 'manifest.jsonl.age'), 0.7)],
    ];
    for (const [i, [from, what, change]] of cases.entries()) {
      const dir = join(work, `tampered-${i}`);
      cpSync(join(work, from), dir, { recursive: true });
      change(dir);
      const args = ['--data', dataDir, 'verify-export', dir, ...(from === 'sealed' ? ['--identity', identity] : [])];
      const r = await runCli(args);
      expect(r.code, `${what}: ${r.stderr}`).toBe(3);
      expect(r.stderr, what).toMatch(/EXPORT_(TAMPERED|SIGNATURE)/);
    }
  }, TIMEOUT);

  it('a planted identifier in stored business text aborts the export naming object and field, and verify-export finds one in an output line', async () => {
    // A subject's phone that the blind index knows.
    const keys = await loadRoleKeys(layout.keysDir, 'exporter');
    const vault = new SqliteVault(layout.vault);
    const checker = new LeakChecker(new LocalBlindIndexer(keys.indexKey!), vault);
    let phone: string | undefined;
    for (const s of sampleSubjects()) {
      if (typeof s.phone === 'string' && (await checker.leaksOf({ text: { t: s.phone } })).length > 0) {
        phone = s.phone;
        break;
      }
    }
    await vault.close();
    expect(phone).toBeDefined();

    // verify-export on a copy of a clean export with the phone edited into a line (and the
    // sums redone, so only the leak check can object).
    const edited = join(work, 'edited');
    cpSync(join(work, 'manifest'), edited, { recursive: true });
    const lines = readJsonl<Line & { text: Record<string, string> }>(join(edited, 'manifest.jsonl'));
    lines[3]!.text = { ...lines[3]!.text, note: `call ${phone}` };
    writeFileSync(join(edited, 'manifest.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
    const v = await runCli(['--data', dataDir, 'verify-export', edited, '--json']);
    expect(v.code).toBe(3);
    const report = JSON.parse(v.stdout.trim()) as { problems: { code: string; message: string }[] };
    const leak = report.problems.find((p) => p.code === 'EXPORT_LEAK');
    expect(leak?.message).toContain(`export object ${lines[3]!.id}: field text.note`);
    expect(v.stdout + v.stderr).not.toContain(phone!.replace(/\D/g, '').slice(-8));

    // Behind the scanner's back: one stored object re-sealed with the phone in its text.
    const db = new Database(layout.vault);
    const row = db.prepare(`SELECT r.record_id, r.object_id, r.project, r.offset, r.length, r.binding, s.pseudonym, s.key_id, g.object_key, g.segment_id
      FROM records r JOIN subjects s USING (subject_id) JOIN segments g USING (segment_id) WHERE s.status = 'active' LIMIT 1 OFFSET 5`).get() as
      { record_id: string; object_id: string; project: string; offset: number; length: number; binding: number; pseudonym: string; key_id: string; object_key: string; segment_id: string };
    const ks = new Database(layout.keystore, { readonly: true });
    const wrapped = (ks.prepare('SELECT wrapped_exporter FROM subject_keys WHERE key_id = ?').get(row.key_id) as { wrapped_exporter: Buffer }).wrapped_exporter;
    ks.close();
    const secret = new X25519Identity(keys.secretKey).unwrap([{ type: STANZA_X25519, body: wrapped }])!;
    const store = new FsObjectStore(layout.objects);
    const sealed = await store.getRange(row.object_key, row.offset, row.length);
    const context = businessContext(row.binding as Parameters<typeof businessContext>[0], row.pseudonym, row.project, row.record_id);
    const objectId = Buffer.from(row.object_id, 'base64url');
    const obj = JSON.parse(Buffer.from(decryptObject(new X25519Identity(secret), sealed, { context, objectId })).toString('utf8')) as { text: Record<string, string> };
    const field = Object.keys(obj.text)[0] ?? 'note';
    obj.text[field] = `${obj.text[field] ?? ''} 回电 ${phone}`;
    const resealed = encryptObject(new SubjectSecretRecipient(secret), { objectId, keyId: readHeader(sealed).keyId, context }, Buffer.from(JSON.stringify(obj)));
    const segment = Buffer.from(await store.getRange(row.object_key, 0, statSync(join(layout.objects, row.object_key)).size));
    const patched = Buffer.concat([segment.subarray(0, row.offset), resealed, segment.subarray(row.offset + row.length)]);
    writeFileSync(join(layout.objects, row.object_key), patched);
    // Later objects of the segment move by the length difference.
    const delta = resealed.length - row.length;
    db.prepare('UPDATE records SET length = ? WHERE record_id = ?').run(resealed.length, row.record_id);
    db.prepare('UPDATE records SET offset = offset + ? WHERE segment_id = ? AND offset > ?').run(delta, row.segment_id, row.offset);
    db.close();

    // The export's own re-scan would mask the phone before the check sees it; with its phone
    // recognizer off (a weaker export policy), the leak check is what stops the line.
    const weak = { detect: { disable: ['PHONE'] } };
    const out = join(work, 'leaky');
    const err = await exportDataset({ dataDir, out, policy: weak }).then(() => undefined, (e: unknown) => e);
    expect(isSunderError(err, 'EXPORT_LEAK'), String(err)).toBe(true);
    const e = err as { message: string; path: (string | number)[] };
    expect(e.path.slice(0, 1)).toEqual(['objects']);
    expect(e.path.slice(2)).toEqual(['text', field]);
    expect(e.message).toContain(`field text.${field}`);
    expect(e.message).not.toContain(phone!.replace(/\D/g, '').slice(-8));
    // Nothing of the export is left: not the folder, not a temporary beside it.
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('leaky'))).toEqual([]);
    const weakFile = join(work, 'weak-policy.json');
    writeFileSync(weakFile, JSON.stringify(weak));
    const cli = await runCli(['--data', dataDir, 'export', '--policy', weakFile, '--out', join(work, 'leaky-cli')]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('EXPORT_LEAK');
  }, TIMEOUT);
});
