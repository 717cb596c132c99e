/**
 * Data subjects' rights end to end through the `sunder` command (issue 12): find, erase with
 * backups restored on either side, notices per recipient, re-import refused, withdraw, guardians,
 * purge by retention, compact, requests, and bad input that changes nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadAuditKey } from '../../src/audit/key.js';
import { verifyReceipt, type AuditReceipt } from '../../src/audit/receipt.js';
import { cnIdCheckChar } from '../../src/id/cn-id.js';
import { SqliteKeyStore } from '../../src/keystore/sqlite.js';
import { SqliteVault } from '../../src/vault/sqlite.js';
import { filesBelow } from '../helpers/sample.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
async function sunder(data: string, args: string[], keys?: string) {
  const global = ['--data', data, ...(keys === undefined ? [] : ['--keys', keys])];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...global, ...args], { encoding: 'utf8', env: { ...process.env, SUNDER_OPERATOR: 'officer1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function cnId(region: string, birth: string, seq: string): string {
  const first17 = region + birth + seq;
  return first17 + cnIdCheckChar(first17);
}

interface Person { name: string; idNumber: string; phone: string; email: string }
const ALICE: Person = { name: 'Alice Zhang', idNumber: cnId('110101', '19900307', '123'), phone: '13800138001', email: 'alice@example.com' };
const BOB: Person = { name: 'Bob Li', idNumber: cnId('310101', '19851111', '456'), phone: '13900139002', email: 'bob@example.com' };
const CAROL: Person = { name: 'Carol Wang', idNumber: cnId('440101', '19920505', '789'), phone: '13700137003', email: 'carol@example.com' };
const GUARDIAN = { name: 'Dan Chen', relation: 'father', idNumber: cnId('320101', '19800101', '111'), phone: '13600136004' };
const CHILD = { name: 'Eve Chen', idNumber: cnId('320101', '20150601', '222') };

function record(id: string, who: Person | typeof CHILD, opts: { project?: string; collectedAt?: string; grantedAt?: string; text?: string } = {}): string {
  const collectedAt = opts.collectedAt ?? '2024-03-01T10:00:00Z';
  const child = !('phone' in who);
  return JSON.stringify({
    recordId: id, project: opts.project ?? 'speech', collectedAt,
    subject: child ? { ...who, guardian: GUARDIAN } : who,
    consent: { policyVersion: '2024-01', grantedAt: opts.grantedAt ?? collectedAt, scopes: ['text'], crossBorder: false, guardianConsent: child },
    business: { attributes: { dialect: 'Wu' }, text: { note: opts.text ?? `sample ${id}` } },
  });
}

/** A data folder with Alice (2 records), Bob, Carol and the child, ingested through the CLI. */
async function populated(): Promise<{ data: string; input: string }> {
  const data = join(tempDir(), 'data');
  const input = join(tempDir(), 'in.ndjson');
  writeFileSync(input, [record('r-a1', ALICE), record('r-a2', ALICE), record('r-b1', BOB), record('r-c1', CAROL), record('r-e1', CHILD)].join('\n') + '\n');
  const r = await sunder(data, ['ingest', input, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ stored: 5, subjects: 4 });
  return { data, input };
}

async function ingestLines(data: string, lines: string[]): Promise<{ code: number; outcomes: { status: string; code?: string; recordId?: string }[] }> {
  const input = join(tempDir(), 'more.ndjson');
  writeFileSync(input, lines.join('\n') + '\n');
  const r = await sunder(data, ['ingest', input, '--json']);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { outcomesFiles: string[] };
  const outcomes = readFileSync(summary.outcomesFiles[0]!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; code?: string });
  return { code: r.code, outcomes };
}

async function exported(data: string): Promise<{ records: number; skipped: number; notes: string[] }> {
  const out = join(tempDir(), 'export');
  const r = await sunder(data, ['export', '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout.trim()) as { records: number; skipped: number };
  const notes = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { text: { note: string } }).text.note);
  return { ...s, notes: notes.sort() };
}

async function subjectIdOf(data: string, flag: string[]): Promise<string> {
  const r = await sunder(data, ['find', ...flag, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { subjects: { subjectId: string }[] }).subjects[0]!.subjectId;
}

/** SHA-256 of every file of the stores (vault, key store, objects, requests ledger): what must not change. */
function storeDigest(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of filesBelow(data)) {
    if (f.includes('/keys/') || f.includes('/audit/') || f.includes('/runs/') || f.endsWith('writer-lock.db')) continue;
    out[f.slice(data.length)] = createHash('sha256').update(readFileSync(f)).digest('hex');
  }
  return out;
}

const backupFiles = (data: string, names: string[], to: string) => {
  for (const n of names) if (existsSync(join(data, n))) cpSync(join(data, n), join(to, n), { recursive: true });
};
const restoreFiles = (from: string, names: string[], data: string) => {
  for (const n of names) {
    rmSync(join(data, n), { recursive: true, force: true });
    for (const side of ['-wal', '-shm']) rmSync(join(data, n + side), { force: true });
    if (existsSync(join(from, n))) cpSync(join(from, n), join(data, n), { recursive: true });
  }
};

describe('sunder find', () => {
  it('finds a person by each identifier, normalised as ingest does; an unknown one exits 4 naming the kind only', async () => {
    const { data } = await populated();
    const id = await subjectIdOf(data, ['--id-number', ALICE.idNumber.toLowerCase()]);
    expect(await subjectIdOf(data, ['--phone', '+86 138-0013-8001'])).toBe(id);
    expect(await subjectIdOf(data, ['--email', 'ALICE@Example.com'])).toBe(id);
    expect(await subjectIdOf(data, ['--subject-id', id])).toBe(id);
    const byId = JSON.parse((await sunder(data, ['find', '--subject-id', id, '--json'])).stdout) as { subjects: { pseudonym: string; records: number }[] };
    expect(byId.subjects[0]!.records).toBe(2);
    expect(await subjectIdOf(data, ['--pseudonym', byId.subjects[0]!.pseudonym])).toBe(id);

    const missing = await sunder(data, ['find', '--phone', '13500135000']);
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/phone number \(SUBJECT_NOT_FOUND\)/);
    expect(missing.stderr).not.toContain('13500135000');
    const malformed = await sunder(data, ['find', '--id-number', ALICE.idNumber.slice(0, 17) + (ALICE.idNumber[17] === '1' ? '2' : '1')]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/ID number given is malformed.*\(IDENTIFIER_INVALID\)/);
    expect((await sunder(data, ['find', '--phone', ALICE.phone, '--email', ALICE.email])).code).toBe(2);
  });

  it('as a guardian, finds the children recorded with that guardian, by the guardian\'s own ID or phone', async () => {
    const { data } = await populated();
    const child = await subjectIdOf(data, ['--id-number', CHILD.idNumber]);
    expect(await subjectIdOf(data, ['--phone', GUARDIAN.phone, '--as-guardian'])).toBe(child);
    expect(await subjectIdOf(data, ['--id-number', GUARDIAN.idNumber, '--as-guardian'])).toBe(child);
    // The guardian is not a subject.
    expect((await sunder(data, ['find', '--phone', GUARDIAN.phone])).code).toBe(4);
    // A subject's own phone does not name them as a guardian.
    expect((await sunder(data, ['find', '--phone', ALICE.phone, '--as-guardian'])).code).toBe(4);
  });
});

describe('sunder erase', () => {
  it('shreds the key rows: the wrapped key bytes are gone from the key store file and its WAL', async () => {
    const { data } = await populated();
    const id = await subjectIdOf(data, ['--id-number', ALICE.idNumber]);
    const vault = new SqliteVault(join(data, 'vault.db'));
    const keyId = (await vault.subject(id))!.keyId;
    await vault.close();
    const ks = new SqliteKeyStore(join(data, 'keystore.db'));
    const row = (await ks.rows([keyId])).get(keyId)!;
    await ks.close();
    const raw = () => [join(data, 'keystore.db'), join(data, 'keystore.db-wal')].filter(existsSync).map((f) => readFileSync(f));
    const holds = (needle: Uint8Array) => raw().some((b) => b.includes(Buffer.from(needle)));
    expect(holds(row.wrappedOfficer)).toBe(true);

    const r = await sunder(data, ['erase', '--phone', ALICE.phone, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      requestId: string; auditSeq: number; receipt: AuditReceipt; subjects: { subjectId: string; records: number; keysShredded: number; identities: number }[];
    };
    expect(result.subjects).toEqual([expect.objectContaining({ subjectId: id, records: 2, keysShredded: 1, identities: 1 })]);
    expect(result.auditSeq).toBeGreaterThan(0);
    // The receipt proves the erasure's entry against a signed checkpoint, and holds no personal data.
    const auditKey = await loadAuditKey(join(data, 'keys'));
    expect(result.receipt.leafIndex).toBe(result.auditSeq - 1);
    expect(verifyReceipt(result.receipt, auditKey.signPublicKey)).toEqual({ ok: true });
    expect(verifyReceipt({ ...result.receipt, leafIndex: result.receipt.leafIndex + 1 }, auditKey.signPublicKey).ok).toBe(false);
    for (const v of [ALICE.phone, ALICE.idNumber, ALICE.email, ALICE.name]) expect(JSON.stringify(result.receipt)).not.toContain(v);
    for (const bytes of [row.wrappedOfficer, row.wrappedExporter, row.identityWrappedOfficer!]) expect(holds(bytes)).toBe(false);
    // The identity entry left the vault file too.
    expect(readFileSync(join(data, 'vault.db')).includes(Buffer.from(ALICE.idNumber))).toBe(false);

    // The request was opened and answered; the audit entry names the subject and request, not the person.
    const reqs = (await sunder(data, ['requests', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; kind: string; status: string });
    expect(reqs).toContainEqual(expect.objectContaining({ id: result.requestId, kind: 'erase', status: 'done' }));
    const log = readFileSync(join(data, 'audit', 'audit.log'), 'utf8');
    expect(log).toContain('"action":"erase"');
    for (const v of [ALICE.phone, ALICE.idNumber, ALICE.email, ALICE.name]) expect(log).not.toContain(v);

    // Found again only as erased; a second erase is harmless and says so.
    const again = JSON.parse((await sunder(data, ['erase', '--email', ALICE.email, '--json'])).stdout) as { subjects: { alreadyErased: boolean }[] };
    expect(again.subjects[0]!.alreadyErased).toBe(true);
  });

  it('a copy of everything but the key store, from before the erasure, restored beside the live key store: nothing of the erased subject, all of the others', async () => {
    const { data } = await populated();
    const before = (await exported(data)).notes;
    expect(before).toHaveLength(5);
    const backup = tempDir();
    backupFiles(data, ['vault.db', 'objects'], backup);
    expect((await sunder(data, ['erase', '--id-number', ALICE.idNumber])).code).toBe(0);
    restoreFiles(backup, ['vault.db', 'objects'], data);
    const after = await exported(data);
    expect(after.notes).toEqual(before.filter((n) => n !== 'sample r-a1' && n !== 'sample r-a2'));
    expect(after.skipped).toBe(2);
  });

  it('an old key store restored beside the live vault: the erased keys are shredded again before anything reads it', async () => {
    const { data } = await populated();
    const backup = tempDir();
    backupFiles(data, ['keystore.db'], backup);
    expect((await sunder(data, ['erase', '--id-number', ALICE.idNumber])).code).toBe(0);
    restoreFiles(backup, ['keystore.db'], data);
    const after = await exported(data);
    expect(after.notes).toEqual(['sample r-b1', 'sample r-c1', 'sample r-e1']);
    // Ingest and the rights commands shred too: restore again and open with ingest.
    restoreFiles(backup, ['keystore.db'], data);
    const ingest = await ingestLines(data, [record('r-b2', BOB)]);
    expect(ingest.outcomes[0]!.status).toBe('stored');
    const vault = new SqliteVault(join(data, 'vault.db'));
    const erasedKeys = await vault.erasedKeyIds();
    await vault.close();
    const ks = new SqliteKeyStore(join(data, 'keystore.db'));
    expect((await ks.rows(erasedKeys)).size).toBe(0);
    await ks.close();
  });

  it('refuses a re-import of the erased person, unless the record carries a consent given after the erasure', async () => {
    const { data } = await populated();
    expect((await sunder(data, ['erase', '--phone', ALICE.phone])).code).toBe(0);
    const refused = await ingestLines(data, [record('r-a3', ALICE), record('r-a4', { ...ALICE, phone: '13100131000' })]);
    expect(refused.outcomes.map((o) => o.code)).toEqual(['SUBJECT_ERASED', 'SUBJECT_ERASED']);
    const later = new Date(Date.now() + 60_000).toISOString();
    const back = await ingestLines(data, [record('r-a5', ALICE, { collectedAt: later, grantedAt: later }), record('r-a6', ALICE, { collectedAt: later, grantedAt: later })]);
    expect(back.outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
    const found = JSON.parse((await sunder(data, ['find', '--phone', ALICE.phone, '--json'])).stdout) as { subjects: { status: string; records: number }[] };
    expect(found.subjects).toEqual([expect.objectContaining({ status: 'active', records: 2 })]);
  });

  it('after exports to two recipients, writes exactly two notices with each recipient\'s own ids', async () => {
    const { data } = await populated();
    const id = await subjectIdOf(data, ['--id-number', ALICE.idNumber]);
    const other = await subjectIdOf(data, ['--id-number', BOB.idNumber]);
    // The disclosure ledger as the exporter writes it (h-recipients): two recipients, one of them twice.
    const vault = new SqliteVault(join(data, 'vault.db'));
    const at = new Date().toISOString();
    for (const [exportId, recipient, rows] of [
      ['e1', 'acme', [[id, 'pa1', 'oa1', 'r-a1'], [id, 'pa1', 'oa2', 'r-a2'], [other, 'pb1', 'ob1', 'r-b1']]],
      ['e2', 'globex', [[id, 'pg1', 'og1', 'r-a1']]],
      ['e3', 'acme', [[id, 'pa2', 'oa3', 'r-a2']]],
    ] as const) {
      await vault.addRecipient({ name: recipient, jurisdiction: 'CN', ageRecipient: null, createdAt: at }).catch(() => undefined);
      await vault.beginExport({ exportId, recipient, startedAt: at });
      await vault.addDisclosures(rows.map(([subjectId, recipientPseudonym, objectId, recordId]) => ({ exportId, recipient, subjectId, recipientPseudonym, objectId, recordId, project: 'speech', disclosedAt: at })));
      await vault.finishExport(exportId, { manifestSha256: '0'.repeat(64), records: rows.length, media: 0, summary: '{}' });
    }
    await vault.close();
    const r = await sunder(data, ['erase', '--subject-id', id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { requestId: string; notices: { recipient: string; pseudonyms: string[]; objects: { objectId: string }[] }[]; noticeFiles: string[] };
    expect(result.notices.map((n) => [n.recipient, n.pseudonyms, n.objects.map((o) => o.objectId)])).toEqual([
      ['acme', ['pa1', 'pa2'], ['oa1', 'oa2', 'oa3']],
      ['globex', ['pg1'], ['og1']],
    ]);
    const dir = join(data, 'rights', 'notices', result.requestId);
    expect(readdirSync(dir).sort()).toEqual(['acme.json', 'globex.json']);
    const acme = JSON.parse(readFileSync(join(dir, 'acme.json'), 'utf8')) as { sunder: string; pseudonyms: string[] };
    expect(acme).toMatchObject({ sunder: 'erasure-notice', pseudonyms: ['pa1', 'pa2'] });
    expect(readFileSync(join(dir, 'acme.json'), 'utf8')).not.toContain('pb1');
  });

  it('answers a request opened earlier; cancel runs the same erasure', async () => {
    const { data } = await populated();
    const opened = JSON.parse((await sunder(data, ['request', 'open', '--kind', 'cancel', '--verified-by', 'ID card seen at the counter', '--json'])).stdout) as { id: string };
    const r = await sunder(data, ['cancel', '--phone', BOB.phone, '--request', opened.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ requestId: opened.id, action: 'cancel' });
    const reqs = (await sunder(data, ['requests', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string });
    expect(reqs.find((q) => q.id === opened.id)!.status).toBe('done');
    expect((await sunder(data, ['find', '--phone', BOB.phone, '--json'])).stdout).toContain('"erased"');
    // An answered request is not answered twice.
    expect((await sunder(data, ['erase', '--phone', CAROL.phone, '--request', opened.id])).code).toBe(2);
  });

  it('bad input changes nothing: unknown person, malformed ID, wrong key file, unknown request id', async () => {
    const { data } = await populated();
    const before = storeDigest(data);
    const unknown = await sunder(data, ['erase', '--id-number', cnId('110101', '19700101', '999')]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no subject found for that ID number \(SUBJECT_NOT_FOUND\)/);
    const malformed = await sunder(data, ['erase', '--id-number', '11010119700101999']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/IDENTIFIER_INVALID/);
    const noRequest = await sunder(data, ['erase', '--phone', ALICE.phone, '--request', 'R-20240101-abcdef']);
    expect(noRequest.code).toBe(2);
    expect(noRequest.stderr).toMatch(/REQUEST_NOT_FOUND/);
    // Another installation's officer key beside this store's other key files.
    const other = join(tempDir(), 'other');
    expect((await sunder(other, ['init'])).code).toBe(0);
    const mixed = tempDir();
    cpSync(join(data, 'keys'), mixed, { recursive: true });
    cpSync(join(other, 'keys', 'officer.json'), join(mixed, 'officer.json'));
    const wrong = await sunder(data, ['erase', '--phone', ALICE.phone], mixed);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/KEYS_WRONG/);
    const noKey = tempDir();
    const missing = await sunder(data, ['erase', '--phone', ALICE.phone], noKey);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/KEYS_MISSING/);
    for (const r of [unknown, malformed, noRequest, wrong, missing]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(storeDigest(data)).toEqual(before);
    expect((await exported(data)).notes).toHaveLength(5);
  });

  it('erases a child on their guardian\'s request, and the request records it', async () => {
    const { data } = await populated();
    const r = await sunder(data, ['erase', '--phone', GUARDIAN.phone, '--as-guardian', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { requestId: string; subjects: { records: number }[] };
    expect(result.subjects).toEqual([expect.objectContaining({ records: 1 })]);
    const req = (await sunder(data, ['requests', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; asGuardian: boolean }).find((q) => q.id === result.requestId)!;
    expect(req.asGuardian).toBe(true);
    expect((await exported(data)).notes).toEqual(['sample r-a1', 'sample r-a2', 'sample r-b1', 'sample r-c1']);
  });
});

describe('sunder access', () => {
  it('gives the officer everything held about the person, and writes the report folder with --out', async () => {
    const { data } = await populated();
    const r = await sunder(data, ['access', '--email', ALICE.email, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { requestId: string; subjects: { identities: { name: string; idNumber: string; phone: string }[]; records: { recordId: string; text: { note: string } }[]; skipped: number }[] };
    expect(result.subjects).toHaveLength(1);
    expect(result.subjects[0]!.identities[0]).toMatchObject({ name: ALICE.name, idNumber: ALICE.idNumber, phone: ALICE.phone });
    expect(result.subjects[0]!.records.map((x) => [x.recordId, x.text.note])).toEqual([['r-a1', 'sample r-a1'], ['r-a2', 'sample r-a2']]);
    const out = join(tempDir(), 'for-alice');
    const w = await sunder(data, ['access', '--subject-id', await subjectIdOf(data, ['--phone', ALICE.phone]), '--out', out]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).not.toContain(ALICE.name);
    expect(JSON.parse(readFileSync(join(out, 'access.json'), 'utf8'))).toMatchObject({ subjects: [{ records: [{ recordId: 'r-a1' }, { recordId: 'r-a2' }] }] });
    const log = readFileSync(join(data, 'audit', 'audit.log'), 'utf8');
    expect(log).toContain('"action":"access"');
    for (const v of [ALICE.phone, ALICE.idNumber, ALICE.email, ALICE.name]) expect(log).not.toContain(v);
  });
});

describe('sunder withdraw', () => {
  it('withdrawn scopes are refused at later ingests; the whole consent stops the subject; --erase erases', async () => {
    const { data } = await populated();
    const w = await sunder(data, ['withdraw', '--phone', BOB.phone, '--scopes', 'text', '--json']);
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ scopes: ['text'] });
    const vault = new SqliteVault(join(data, 'vault.db'));
    const bob = await subjectIdOf(data, ['--phone', BOB.phone]);
    expect((await vault.withdrawnScopes([bob])).get(bob)).toEqual(['text']);
    await vault.close();
    const later = await ingestLines(data, [record('r-b2', BOB), record('r-c2', CAROL)]);
    expect(later.outcomes.map((o) => o.code ?? o.status)).toEqual(['SCOPE_WITHDRAWN', 'stored']);

    expect((await sunder(data, ['withdraw', '--phone', CAROL.phone])).code).toBe(0);
    const afterAll = await ingestLines(data, [record('r-c3', CAROL)]);
    expect(afterAll.outcomes[0]!.code).toBe('SUBJECT_WITHDRAWN');
    expect((await exported(data)).notes).not.toContain('sample r-c1');

    const e = await sunder(data, ['withdraw', '--email', ALICE.email, '--scopes', 'voice', '--erase', '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ erased: { subjects: [expect.objectContaining({ records: 2 })] } });
    expect((await sunder(data, ['withdraw', '--phone', BOB.phone, '--scopes', 'smell'])).code).toBe(2);
  });
});

describe('sunder purge and compact', () => {
  it('purges records past their project\'s retention (dry run first), then compact rewrites the segments', async () => {
    const data = join(tempDir(), 'data');
    const input = join(tempDir(), 'in.ndjson');
    const old = '2020-01-01T00:00:00Z';
    writeFileSync(input, [
      record('r-a1', ALICE, { collectedAt: old, project: 'speech' }), record('r-a2', ALICE, { project: 'speech', collectedAt: new Date(Date.now() - 86_400_000).toISOString() }),
      record('r-b1', BOB, { collectedAt: old, project: 'speech' }), record('r-c1', CAROL, { collectedAt: old, project: 'archive' }),
    ].join('\n') + '\n');
    expect((await sunder(data, ['ingest', input])).code).toBe(0);
    const policy = join(tempDir(), 'policy.json');
    writeFileSync(policy, JSON.stringify({ retention: { speech: 365 } }));
    const before = storeDigest(data);
    const dry = await sunder(data, ['purge', '--expired', '--policy', policy, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, records: 2, subjectsErased: 1 });
    expect(storeDigest(data)).toEqual(before);

    const r = await sunder(data, ['purge', '--expired', '--policy', policy, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: false, records: 2, subjectsErased: 1 });
    expect((await exported(data)).notes).toEqual(['sample r-a2', 'sample r-c1']);
    // A purged record is known: its re-ingest is a duplicate. Bob (erased whole, no tombstone) may be collected anew.
    const again = await ingestLines(data, [record('r-a1', ALICE, { collectedAt: old }), record('r-b9', BOB)]);
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'stored']);

    const segments = () => readdirSync(join(data, 'objects', 'segments')).sort();
    const segBefore = segments();
    const c = await sunder(data, ['compact', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ segmentsRewritten: 1, recordsKept: 2 });
    const segAfter = segments();
    expect(segAfter).toHaveLength(segBefore.length);
    expect(segAfter.filter((s) => !segBefore.includes(s))).toHaveLength(1);
    expect((await exported(data)).notes).toEqual(['sample r-a2', 'sample r-b9', 'sample r-c1']);
    expect(JSON.parse((await sunder(data, ['compact', '--json'])).stdout)).toMatchObject({ segmentsRewritten: 0, segmentsDeleted: 0 });
    expect((await sunder(data, ['purge', '--policy', policy])).code).toBe(2);
  });
});
