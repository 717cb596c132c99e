/**
 * The decisions two PostgreSQL vault sessions (two hosts) could make differently: one subject per
 * identifier and each record once (VAULT_CONFLICT for the loser), and recovery fenced by run
 * ownership (a live run's pending marks are not listed; a run whose marks were taken is refused).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PostgresVault } from '../../src/vault/postgres.js';
import type { VaultBatch } from '../../src/vault/vault.js';
import { freshDatabase, pgSkipReason, pgTitle } from '../servers/postgres.js';

const batch = (p: Partial<VaultBatch>): VaultBatch => ({
  runId: 'r', subjects: [], blindIndexes: [], identities: [], records: [], media: [], segments: [], adultSince: [], withdrawn: [], clearPending: [], ...p,
});
const subject = (id: string) => ({ subjectId: id, keyId: `k-${id}`, pseudonym: `p-${id}`, status: 'active' as const, adultSince: null });
const record = (id: string, subjectId: string) => ({
  recordId: id, subjectId, objectId: `o-${id}`, project: 'p', collectedAt: '2023-01-01T00:00:00Z', segmentId: 's', offset: 0, length: 1,
  scopes: 'text', crossBorder: false, policyVersion: '2023-01',
});

describe.skipIf(pgSkipReason !== undefined)(pgTitle('PostgreSQL vault across hosts'), () => {
  it('the second host to commit a subject for the same identifier, or the same record, gets VAULT_CONFLICT and leaves nothing', async () => {
    const url = await freshDatabase();
    const [a, b] = [await PostgresVault.open(url), await PostgresVault.open(url)];
    const digest = randomBytes(32);
    await a.commit(batch({ subjects: [subject('A')], blindIndexes: [{ kind: 'phone', digest, subjectId: 'A' }], records: [record('r1', 'A')] }));
    await expect(b.commit(batch({ subjects: [subject('B')], blindIndexes: [{ kind: 'phone', digest, subjectId: 'B' }], records: [record('r2', 'B')] })))
      .rejects.toMatchObject({ code: 'VAULT_CONFLICT' });
    await expect(b.commit(batch({ subjects: [subject('C')], records: [record('r1', 'C')] }))).rejects.toMatchObject({ code: 'VAULT_CONFLICT' });
    expect(await b.hasKeyIds(['k-B', 'k-C'])).toEqual(new Set());
    expect(await b.existingRecords(['r1', 'r2'])).toEqual(new Set(['r1']));
    // The same identifier added to the same subject by both (a returning person's new email) is no conflict.
    const email = randomBytes(32);
    await a.commit(batch({ blindIndexes: [{ kind: 'email', digest: email, subjectId: 'A' }], records: [record('r3', 'A')] }));
    await b.commit(batch({ blindIndexes: [{ kind: 'email', digest: email, subjectId: 'A' }], records: [record('r4', 'A')] }));
    expect((await a.findSubjects([{ kind: 'email', digest: email }])).size).toBe(1);
    await a.close();
    await b.close();
  });

  it('lists only the pending marks of runs whose session is gone, and fences a run whose marks another host took', async () => {
    const url = await freshDatabase();
    const live = await PostgresVault.open(url);
    const other = await PostgresVault.open(url);
    await live.startRun('run-live');
    await live.addPending([{ ref: 'object:segments/live', runId: 'run-live' }]);
    const dead = await PostgresVault.open(url);
    await dead.startRun('run-dead');
    await dead.addPending([{ ref: 'object:segments/dead', runId: 'run-dead' }]);
    await dead.close(); // its session ends: the run is over, whatever it left
    expect((await other.listPending()).map((p) => p.ref)).toEqual(['object:segments/dead']);
    // Another host wrongly clears the live run's mark (as a recovery would after its session was lost):
    await other.clearPending(['object:segments/live']);
    await expect(live.commit(batch({ runId: 'run-live', subjects: [subject('L')], clearPending: ['object:segments/live'] })))
      .rejects.toMatchObject({ code: 'VAULT_FENCED' });
    expect(await other.hasKeyIds(['k-L'])).toEqual(new Set());
    await live.finishRun('run-live', '{}');
    await live.close();
    await other.close();
  });
});
