/**
 * The PostgreSQL vault's rights state and disclosure ledger (the `SubjectRights` and
 * `DisclosureLedger` parts of the Vault interface), as the embedded vault keeps them.
 */
import type pg from 'pg';
import { SunderError } from '../errors.js';
import type { DisclosedQuasiRow, DisclosureRow, ExportLedgerRow, RecipientRow } from './vault.js';

interface RecipientDb { name: string; jurisdiction: string; age_recipient: string | null; created_at: string }
interface ExportDb {
  export_id: string; recipient: string; started_at: string; finished_at: string | null; manifest_sha256: string | null;
  records: number; media: number; summary: string;
}
interface DisclosureDb {
  seq: string; export_id: string; recipient: string; subject_id: string; recipient_pseudonym: string; object_id: string;
  record_id: string; project: string; disclosed_at: string;
}

function recipientRow(r: RecipientDb): RecipientRow {
  return { name: r.name, jurisdiction: r.jurisdiction, ageRecipient: r.age_recipient, createdAt: r.created_at };
}

export class PostgresLedger {
  constructor(private readonly pool: pg.Pool) {}

  async withdrawScopes(subjectId: string, scopes: string[], at: string): Promise<void> {
    if (scopes.length === 0) return;
    await this.pool.query(`INSERT INTO withdrawals (subject_id, scope, withdrawn_at) SELECT $1, s, $3 FROM unnest($2::text[]) AS s
      ON CONFLICT (subject_id, scope) DO NOTHING`, [subjectId, scopes, at]);
  }

  async withdrawnScopes(subjectIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (subjectIds.length === 0) return out;
    const rows = await this.pool.query<{ subject_id: string; scope: string }>('SELECT subject_id, scope FROM withdrawals WHERE subject_id = ANY($1::text[]) ORDER BY scope', [subjectIds]);
    for (const r of rows.rows) {
      const list = out.get(r.subject_id);
      if (list === undefined) out.set(r.subject_id, [r.scope]);
      else list.push(r.scope);
    }
    // Sorted as the embedded vault sorts (JavaScript order, not the database collation).
    for (const list of out.values()) list.sort();
    return out;
  }

  async setReview(subjectId: string, reason: string | null, at: string): Promise<void> {
    if (reason === null) await this.pool.query('DELETE FROM reviews WHERE subject_id = $1', [subjectId]);
    else await this.pool.query('INSERT INTO reviews (subject_id, reason, since) VALUES ($1, $2, $3) ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason', [subjectId, reason, at]);
  }

  async addRecipient(r: RecipientRow): Promise<void> {
    const done = await this.pool.query('INSERT INTO recipients (name, jurisdiction, age_recipient, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
      [r.name, r.jurisdiction, r.ageRecipient, r.createdAt]);
    if (done.rowCount === 0) throw new SunderError('RECIPIENT_EXISTS', `a recipient named ${JSON.stringify(r.name)} is already registered`, { path: ['recipient'] });
  }

  async recipient(name: string): Promise<RecipientRow | undefined> {
    const r = await this.pool.query<RecipientDb>('SELECT * FROM recipients WHERE name = $1', [name]);
    return r.rows[0] === undefined ? undefined : recipientRow(r.rows[0]);
  }

  async listRecipients(): Promise<RecipientRow[]> {
    const rows = (await this.pool.query<RecipientDb>('SELECT * FROM recipients')).rows.map(recipientRow);
    return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async beginExport(e: { exportId: string; recipient: string; startedAt: string }): Promise<void> {
    await this.pool.query('INSERT INTO exports (export_id, recipient, started_at) VALUES ($1, $2, $3)', [e.exportId, e.recipient, e.startedAt]);
  }

  async addDisclosures(rows: DisclosureRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof DisclosureRow>(k: K) => rows.map((d) => d[k]);
    await this.pool.query(`INSERT INTO disclosures (export_id, recipient, subject_id, recipient_pseudonym, object_id, record_id, project, disclosed_at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    [col('exportId'), col('recipient'), col('subjectId'), col('recipientPseudonym'), col('objectId'), col('recordId'), col('project'), col('disclosedAt')]);
  }

  async finishExport(exportId: string, result: { manifestSha256: string; records: number; media: number; summary: string }): Promise<void> {
    const done = await this.pool.query('UPDATE exports SET finished_at = $1, manifest_sha256 = $2, records = $3, media = $4, summary = $5 WHERE export_id = $6 AND finished_at IS NULL',
      [new Date().toISOString(), result.manifestSha256, result.records, result.media, result.summary, exportId]);
    if (done.rowCount !== 1) throw new SunderError('INTERNAL', `export ${exportId} was not begun, or is finished already`);
  }

  async abortExport(exportId: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM disclosures WHERE export_id = $1', [exportId]);
      await client.query('DELETE FROM disclosed_quasi WHERE export_id = $1', [exportId]);
      await client.query('DELETE FROM exports WHERE export_id = $1 AND finished_at IS NULL', [exportId]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async listExports(filter: { recipient?: string }): Promise<ExportLedgerRow[]> {
    const rows = filter.recipient === undefined
      ? await this.pool.query<ExportDb>('SELECT * FROM exports WHERE finished_at IS NOT NULL ORDER BY finished_at, export_id COLLATE "C"')
      : await this.pool.query<ExportDb>('SELECT * FROM exports WHERE finished_at IS NOT NULL AND recipient = $1 ORDER BY finished_at, export_id COLLATE "C"', [filter.recipient]);
    return rows.rows.map((r) => ({
      exportId: r.export_id, recipient: r.recipient, startedAt: r.started_at, finishedAt: r.finished_at,
      manifestSha256: r.manifest_sha256, records: r.records, media: r.media, summary: r.summary,
    }));
  }

  async *disclosures(filter: { subjectId?: string; recipient?: string; exportId?: string }): AsyncIterable<DisclosureRow> {
    const where: string[] = ['e.finished_at IS NOT NULL', 'd.seq > $1'];
    const args: unknown[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} = $${args.length + 1}`);
    };
    add('d.subject_id', filter.subjectId);
    add('d.recipient', filter.recipient);
    add('d.export_id', filter.exportId);
    const sql = `SELECT d.* FROM disclosures d JOIN exports e ON e.export_id = d.export_id WHERE ${where.join(' AND ')} ORDER BY d.seq LIMIT 1000`;
    let after = '0';
    for (;;) {
      const rows = (await this.pool.query<DisclosureDb>(sql, [after, ...args])).rows;
      if (rows.length === 0) return;
      for (const d of rows) {
        yield {
          exportId: d.export_id, recipient: d.recipient, subjectId: d.subject_id, recipientPseudonym: d.recipient_pseudonym,
          objectId: d.object_id, recordId: d.record_id, project: d.project, disclosedAt: d.disclosed_at,
        };
      }
      after = rows[rows.length - 1]!.seq;
    }
  }

  async addDisclosedQuasi(rows: DisclosedQuasiRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(`INSERT INTO disclosed_quasi (export_id, recipient, subject_id, quasi)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])`,
    [rows.map((r) => r.exportId), rows.map((r) => r.recipient), rows.map((r) => r.subjectId), rows.map((r) => Buffer.from(r.quasi))]);
  }

  async *disclosedQuasi(recipient: string): AsyncIterable<DisclosedQuasiRow> {
    // Keyset pages by (export, subject) in byte order ("C"), as the embedded vault's BINARY order.
    const sql = `SELECT q.export_id, q.subject_id, q.quasi FROM disclosed_quasi q JOIN exports e ON e.export_id = q.export_id
      WHERE q.recipient = $1 AND e.finished_at IS NOT NULL AND (q.export_id COLLATE "C", q.subject_id COLLATE "C") > ($2::text COLLATE "C", $3::text COLLATE "C")
      ORDER BY q.export_id COLLATE "C", q.subject_id COLLATE "C" LIMIT 1000`;
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = (await this.pool.query<{ export_id: string; subject_id: string; quasi: Buffer }>(sql, [recipient, after[0], after[1]])).rows;
      if (rows.length === 0) return;
      for (const r of rows) yield { exportId: r.export_id, recipient, subjectId: r.subject_id, quasi: new Uint8Array(r.quasi) };
      const last = rows[rows.length - 1]!;
      after = [last.export_id, last.subject_id];
    }
  }
}
