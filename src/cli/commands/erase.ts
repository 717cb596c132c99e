/**
 * `sunder erase (--id-number N | --phone P | --email E | --pseudonym X | --subject-id S) ...`
 * and `sunder cancel ...` (account cancellation runs the same erasure): keys shredded, vault
 * rows deleted and tombstoned, one notice per recipient under DATA/rights/notices/<request>/.
 */
import { Command } from 'commander';
import { auditReceipt } from '../../audit/receipt.js';
import { layoutOf } from '../../layout.js';
import { checkQuery } from '../../rights/find.js';
import type { EraseResult } from '../../rights/rights.js';
import type { CliContext } from '../context.js';
import { queryOf, requestOptionsOf, withIdentifierOptions, withRights, type IdentifierFlags } from './rights-command.js';

function summary(r: EraseResult): string {
  const n = (k: 'records' | 'media' | 'keysShredded') => r.subjects.reduce((s, e) => s + e[k], 0);
  const lines = [`${r.action === 'cancel' ? 'cancelled' : 'erased'} ${r.subjects.length} subject(s) for request ${r.requestId}: ` +
    `${n('records')} records, ${n('media')} media, ${n('keysShredded')} key rows shredded; audit entry ${r.auditSeq}`];
  if (r.subjects.some((s) => s.alreadyErased)) lines.push(`${r.subjects.filter((s) => s.alreadyErased).length} subject(s) were erased already`);
  for (const f of r.noticeFiles) lines.push(`notice: ${f}`);
  return lines.join('\n') + '\n';
}

export function eraseCommand(ctx: CliContext, name: 'erase' | 'cancel' = 'erase'): Command {
  const cmd = new Command(name).description(name === 'erase'
    ? 'erase a person: shred their keys, delete their identity and records, keep a tombstone, write a notice per recipient'
    : 'cancel a person\'s account: the same erasure as `sunder erase`, recorded as a cancellation');
  return withIdentifierOptions(cmd).action(async (opts: IdentifierFlags) => {
    const query = queryOf(opts);
    checkQuery(query, opts.asGuardian === true); // a malformed identifier is refused before any store is opened
    const r = await withRights(ctx, opts.operator, (rights) => rights.erase(query, { ...requestOptionsOf(opts), action: name }));
    if (opts.json !== true) {
      process.stdout.write(summary(r));
      return;
    }
    // A receipt the person can be given: the erasure's audit entry (no personal data), its
    // inclusion proof and the signed checkpoint it is proven against (docs/AUDIT.md).
    const receipt = await auditReceipt(layoutOf(ctx.layoutOpts()), r.auditSeq);
    process.stdout.write(JSON.stringify({ ...r, receipt }) + '\n');
  });
}
