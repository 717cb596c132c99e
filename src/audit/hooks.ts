/**
 * One audit entry per ingest run and per export, called at the end of each. Counts and ids
 * only. When the run itself failed, its error is the one the caller sees: a failure to audit
 * the failure is not allowed to replace it (the entry is still attempted, outcome `failed`).
 */
import { isSunderError } from '../errors.js';
import { openAuditLog, operatorName } from './open.js';

interface Where {
  dataDir: string;
  keysDir: string;
}

const codeOf = (err: unknown) => (isSunderError(err) ? err.code : 'INTERNAL');

async function write(where: Where, failed: unknown, entry: Parameters<Awaited<ReturnType<typeof openAuditLog>>['append']>[0]): Promise<void> {
  try {
    const log = await openAuditLog(where);
    await log.append(entry);
  } catch (err) {
    if (failed === undefined) throw err;
  }
}

export async function auditIngestRun(
  where: Where,
  run: { runId: string; records: number; stored: number; rejected: number; duplicates: number; subjects: number },
  failed?: unknown,
): Promise<void> {
  const operator = operatorName();
  await write(where, failed, {
    actor: { role: 'ingest', ...(operator === undefined ? {} : { operator }) },
    action: 'ingest-run',
    target: { runs: [run.runId] },
    outcome: failed === undefined ? 'ok' : 'failed',
    ...(failed === undefined ? {} : { code: codeOf(failed) }),
    counts: { records: run.records, stored: run.stored, rejected: run.rejected, duplicates: run.duplicates, subjects: run.subjects },
  });
}

export async function auditExport(
  where: Where,
  exp: { exportId: string; records: number; media: number; skipped: number; excluded?: Record<string, number>; fieldsDropped?: number; manifestSha256?: string },
  options: { project?: string; recipient?: string } = {},
  failed?: unknown,
): Promise<void> {
  const operator = operatorName();
  await write(where, failed, {
    actor: { role: 'exporter', ...(operator === undefined ? {} : { operator }) },
    action: 'export',
    target: {
      exports: [exp.exportId],
      ...(options.project === undefined ? {} : { projects: [options.project] }),
      ...(options.recipient === undefined ? {} : { recipients: [options.recipient] }),
    },
    outcome: failed === undefined ? 'ok' : 'failed',
    ...(failed === undefined ? {} : { code: codeOf(failed) }),
    counts: {
      records: exp.records, media: exp.media, skipped: exp.skipped,
      // Exclusions by reason code, as `excluded_WITHDRAWN` etc. (count names are flat).
      ...Object.fromEntries(Object.entries(exp.excluded ?? {}).map(([code, n]) => [`excluded_${code}`, n])),
      ...(exp.fieldsDropped === undefined ? {} : { fieldsDropped: exp.fieldsDropped }),
    },
    ...(exp.manifestSha256 === undefined ? {} : { digest: exp.manifestSha256 }),
  });
}
