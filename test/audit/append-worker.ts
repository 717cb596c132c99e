/** A second process appending to the same audit log (spawned by log.test.ts). */
import { loadAuditKey } from '../../src/audit/key.js';
import { AuditLog } from '../../src/audit/log.js';

const [dir, keysDir, count, runPrefix] = process.argv.slice(2) as [string, string, string, string];
const log = await AuditLog.open(dir, await loadAuditKey(keysDir));
for (let i = 0; i < Number(count); i++) {
  await log.append({ actor: { role: 'ingest', operator: 'worker' }, action: 'ingest-run', target: { runs: [`${runPrefix}-${i}`] }, outcome: 'ok', counts: { records: i } });
}
