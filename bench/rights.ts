/**
 * Erasure cost against store size (issue 12, "Speed"): erasing one subject must cost what their
 * own records cost, not the store's size. Builds two stores, of 10,000 and of 1,000,000 records
 * (10 records a subject), erases the same kind of 100 subjects (found by phone, through the blind
 * index) from each with `Rights.erase`, and prints both times and their ratio (target < 2x).
 *
 * The stores are generated directly through the vault and key-store APIs, not by ingest:
 * ingesting 1M records takes many minutes here, and erasure reads none of what ingest computes
 * (sealed objects, scans). Rows have the shapes and sizes ingest writes: a ~700-byte identity
 * entry per subject, three blind indexes, key rows with valid MACs, one segment per 1,000 records.
 *
 *   npm run build && node --import tsx bench/rights.ts [--big 1000000] [--small 10000] [--erase 100]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rights } from '../dist/index.js';
import { AuthenticatedKeyStore } from '../dist/keystore/authenticated.js';
import { SqliteKeyStore } from '../dist/keystore/sqlite.js';
import { SqliteVault } from '../dist/vault/sqlite.js';
import { blindIndex } from '../dist/crypto/hmac.js';
import { createRoleKeys, keyFingerprint, loadRoleKeys } from '../dist/crypto/keys.js';
import { newSortableId, newId } from '../dist/crypto/subject-keys.js';
import type { BlindIndexRow, IdentityRow, RecordRow, SegmentRow, SubjectRow } from '../dist/vault/vault.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SMALL = arg('small', 10_000);
const BIG = arg('big', 1_000_000);
const ERASE = arg('erase', 100);
const PER_SUBJECT = 10;

const phoneOf = (i: number) => `139${String(i).padStart(8, '0')}`;

async function build(records: number): Promise<{ dataDir: string; phones: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sunder-bench-rights-'));
  await createRoleKeys(join(dataDir, 'keys'));
  const ingest = await loadRoleKeys(join(dataDir, 'keys'), 'ingest');
  const vault = new SqliteVault(join(dataDir, 'vault.db'));
  const raw = new SqliteKeyStore(join(dataDir, 'keystore.db'));
  const keystore = new AuthenticatedKeyStore(raw, ingest.rowMacKey!);
  await keystore.checkOrSetRoleKeys({ officer: keyFingerprint(ingest.officerPublicKey), exporter: keyFingerprint(ingest.exporterPublicKey) });
  const subjects = Math.ceil(records / PER_SUBJECT);
  const started = Date.now();
  const now = new Date().toISOString();
  const SUBJECTS_PER_BATCH = 1000;
  for (let first = 0; first < subjects; first += SUBJECTS_PER_BATCH) {
    const subs: SubjectRow[] = [];
    const blind: BlindIndexRow[] = [];
    const ids: IdentityRow[] = [];
    const recs: RecordRow[] = [];
    const segmentId = newSortableId();
    const segs: SegmentRow[] = [{ segmentId, objectKey: `segments/${segmentId}`, records: 0, bytes: 0 }];
    const keys = [];
    for (let i = first; i < Math.min(subjects, first + SUBJECTS_PER_BATCH); i++) {
      const subjectId = newSortableId();
      const keyId = newId();
      subs.push({ subjectId, keyId, pseudonym: `p_${randomBytes(16).toString('base64url').slice(0, 22)}`, status: 'active', adultSince: '2020-01-01' });
      blind.push({ kind: 'phone', digest: blindIndex(ingest.indexKey, 'phone', phoneOf(i)), subjectId });
      blind.push({ kind: 'cn_id', digest: randomBytes(32), subjectId });
      blind.push({ kind: 'email', digest: randomBytes(32), subjectId });
      ids.push({ subjectId, digest: randomBytes(32), entry: randomBytes(700), recordId: `r-${i}-0` });
      for (let k = 0; k < PER_SUBJECT; k++) {
        recs.push({ recordId: `r-${i}-${k}`, subjectId, objectId: randomBytes(16).toString('base64url'), project: 'speech', collectedAt: now,
          segmentId, offset: 8 + recs.length * 900, length: 896, scopes: 'voice|text', crossBorder: false, policyVersion: '2024-01' });
      }
      keys.push({ keyId, publicKey: randomBytes(32), wrappedOfficer: randomBytes(104), wrappedExporter: randomBytes(104), identityPublicKey: randomBytes(32), identityWrappedOfficer: randomBytes(104) });
    }
    segs[0]!.records = recs.length;
    segs[0]!.bytes = 8 + recs.length * 900;
    await keystore.put(keys);
    await vault.commit({ runId: 'bench', subjects: subs, blindIndexes: blind, identities: ids, records: recs, media: [], segments: segs, adultSince: [], withdrawn: [], clearPending: [] });
  }
  await vault.close();
  await keystore.close();
  process.stdout.write(`built ${records.toLocaleString()} records (${subjects.toLocaleString()} subjects) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  // The subjects to erase: spread over the whole store, the same count in both.
  const phones = Array.from({ length: ERASE }, (_, j) => phoneOf(Math.floor((j * subjects) / ERASE)));
  return { dataDir, phones };
}

async function eraseAll(dataDir: string, phones: string[]): Promise<number> {
  const rights = await Rights.open({ dataDir, operator: 'bench' });
  try {
    const started = process.hrtime.bigint();
    for (const phone of phones) {
      const r = await rights.erase({ phone });
      if (r.subjects[0]!.records !== PER_SUBJECT || r.subjects[0]!.keysShredded !== 1) throw new Error('bench: an erasure did not erase what it should');
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await rights.close();
  }
}

const small = await build(SMALL);
const big = await build(BIG);
try {
  const tSmall = await eraseAll(small.dataDir, small.phones);
  const tBig = await eraseAll(big.dataDir, big.phones);
  process.stdout.write(`erase ${ERASE} subjects (${PER_SUBJECT} records each):\n`);
  process.stdout.write(`  store of ${SMALL.toLocaleString()} records: ${tSmall.toFixed(0)} ms (${(tSmall / ERASE).toFixed(1)} ms a subject)\n`);
  process.stdout.write(`  store of ${BIG.toLocaleString()} records: ${tBig.toFixed(0)} ms (${(tBig / ERASE).toFixed(1)} ms a subject)\n`);
  process.stdout.write(`  ratio big/small: ${(tBig / tSmall).toFixed(2)}x (target < 2x)\n`);
} finally {
  rmSync(small.dataDir, { recursive: true, force: true });
  rmSync(big.dataDir, { recursive: true, force: true });
}
