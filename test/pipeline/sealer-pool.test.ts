import { afterEach, describe, expect, it } from 'vitest';
import { generateRecords } from '../../fixtures/lib/synth.js';
import { businessContext, identityContext } from '../../src/crypto/contexts.js';
import { decryptObject } from '../../src/crypto/format.js';
import { X25519Identity } from '../../src/crypto/recipient.js';
import { generateX25519KeyPair } from '../../src/crypto/x25519.js';
import { gateRecord } from '../../src/pipeline/gate.js';
import type { BusinessObject, SealTask } from '../../src/pipeline/seal.js';
import { SealerPool } from '../../src/pipeline/sealer-pool.js';
import { DEFAULT_POLICY } from '../../src/record/policy.js';
import { collectedRecordSchema } from '../../src/record/schema.js';

/**
 * Seal tasks for generated records; a subject's first task carries its secret keys (business and
 * identity), later ones its public keys.
 */
function tasksFor(seed: number, count: number) {
  const secrets = new Map<string, Uint8Array>();
  const identitySecrets = new Map<string, Uint8Array>();
  const subjects = new Map<string, { subjectId: string; keyId: string; pseudonym: string; publicKey: Uint8Array; secretKey: Uint8Array; identity: { publicKey: Uint8Array; secretKey: Uint8Array } }>();
  const tasks: SealTask[] = [];
  for (const input of generateRecords({ seed, count, recordsPerSubject: 3.5, textBytes: 300 })) {
    const g = gateRecord(collectedRecordSchema.parse(input), DEFAULT_POLICY);
    if (!g.ok) throw new Error(`generated record rejected: ${g.rejection.code}`);
    const who = g.gated.ids.cnId ?? g.gated.ids.phone ?? g.gated.ids.email ?? '';
    let s = subjects.get(who);
    const first = s === undefined;
    if (s === undefined) {
      const pair = generateX25519KeyPair();
      const n = subjects.size;
      s = { subjectId: `s${n}`, keyId: `k${n}`, pseudonym: `p_${n}`, ...pair, identity: generateX25519KeyPair() };
      subjects.set(who, s);
      secrets.set(s.keyId, pair.secretKey);
      identitySecrets.set(s.keyId, s.identity.secretKey);
    }
    const keys = first ? { secretKey: s.secretKey, identitySecretKey: s.identity.secretKey } : { publicKey: s.publicKey, identityPublicKey: s.identity.publicKey };
    tasks.push({ gated: g.gated, subjectId: s.subjectId, keyId: s.keyId, pseudonym: s.pseudonym, ...keys, media: [] });
  }
  return { tasks, secrets, identitySecrets };
}

let pool: SealerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('SealerPool', () => {
  it('seals every task exactly once, in order, with the main thread claiming chunks while a worker seals the rest', async () => {
    pool = new SealerPool({ indexKey: new Uint8Array(32).fill(7), policy: DEFAULT_POLICY, workers: 1, chunks: 16 });
    const a = tasksFor(1, 400);
    const b = tasksFor(2, 400);
    // Two batches in flight: the main thread helps with the first while the second is queued.
    const [ra, rb] = await Promise.all([pool.sealAll(a.tasks), pool.sealAll(b.tasks)]);
    expect(pool.stats.local + pool.stats.remote).toBe(800);
    expect(pool.stats.local).toBeGreaterThan(0);
    expect(pool.stats.remote).toBeGreaterThan(0);
    for (const [{ tasks, secrets, identitySecrets }, results] of [[a, ra], [b, rb]] as const) {
      expect(results).toHaveLength(tasks.length);
      const ids = new Set<string>();
      results.forEach((r, i) => {
        const t = tasks[i]!;
        const plain = decryptObject(new X25519Identity(secrets.get(t.keyId)!), r.sealed, { context: businessContext(2, t.pseudonym, t.gated.record.project, t.gated.record.recordId) });
        // Identity entries are sealed to the identity key, which the business key does not open.
        if (r.identity !== undefined) {
          const context = identityContext(t.subjectId);
          expect(JSON.parse(Buffer.from(decryptObject(new X25519Identity(identitySecrets.get(t.keyId)!), r.identity.entry, { context })).toString('utf8'))).toMatchObject({ subjectId: t.subjectId, display: expect.any(Object) });
          expect(() => decryptObject(new X25519Identity(secrets.get(t.keyId)!), r.identity!.entry, { context })).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
        }
        const obj = JSON.parse(Buffer.from(plain).toString('utf8')) as BusinessObject;
        expect(obj.id).toBe(r.objectId);
        expect(obj.pseudonym).toBe(t.pseudonym);
        expect(obj.collectedAt).toBe(t.gated.record.collectedAt);
        // A new subject's public key comes back with its first record, whichever thread sealed it.
        expect(r.publicKey !== undefined).toBe(t.secretKey !== undefined);
        expect(r.identityPublicKey !== undefined).toBe(t.identitySecretKey !== undefined);
        ids.add(r.objectId);
      });
      expect(ids.size).toBe(tasks.length);
    }
  });

  it('leaves a lone batch to the worker, unless the caller says it will only wait', async () => {
    pool = new SealerPool({ indexKey: new Uint8Array(32).fill(7), policy: DEFAULT_POLICY, workers: 1, chunks: 16 });
    // Alone and not urgent: the calling thread is free to prepare the next batch meanwhile.
    await pool.sealAll(tasksFor(5, 300).tasks);
    expect(pool.stats).toEqual({ local: 0, remote: 300 });
    // Urgent (a batch with media, which the caller finishes before reading on): it helps at once.
    await pool.sealAll(tasksFor(6, 300).tasks, { urgent: true });
    expect(pool.stats.local).toBeGreaterThan(0);
    expect(pool.stats.local + pool.stats.remote).toBe(600);
    // hurry() (the input has ended) turns the batches in flight urgent.
    const local = pool.stats.local;
    const last = pool.sealAll(tasksFor(7, 300).tasks);
    pool.hurry();
    expect(await last).toHaveLength(300);
    expect(pool.stats.local).toBeGreaterThan(local);
    expect(pool.stats.local + pool.stats.remote).toBe(900);
  });

  it('rejects the batch when a task cannot be sealed, in either thread', async () => {
    pool = new SealerPool({ indexKey: new Uint8Array(32).fill(7), policy: DEFAULT_POLICY, workers: 1, chunks: 4 });
    const good = tasksFor(3, 200);
    const bad = tasksFor(4, 200);
    // Neither a public nor a secret key: no thread can wrap this subject's data keys.
    bad.tasks = bad.tasks.map((t) => ({ gated: t.gated, subjectId: t.subjectId, keyId: t.keyId, pseudonym: t.pseudonym, media: [] }));
    const results = await Promise.allSettled([pool.sealAll(bad.tasks), pool.sealAll(good.tasks)]);
    expect(results[0].status).toBe('rejected');
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/neither a public nor a secret key/);
    expect(results[1].status).toBe('fulfilled');
    expect((results[1] as PromiseFulfilledResult<unknown[]>).value).toHaveLength(200);
  });
});
