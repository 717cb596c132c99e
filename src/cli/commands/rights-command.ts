/**
 * What every rights command shares: the identifier options (exactly one), `--as-guardian`,
 * `--request ID`, `--verified-by`, `--operator`, `--json`, and opening `Rights` from the global
 * options. Each command is its own file (erase.ts, withdraw.ts, ...).
 */
import { Option, type Command } from 'commander';
import { openConfiguredStore } from '../../config/store-url.js';
import type { SubjectQuery } from '../../rights/find.js';
import { Rights, type RequestOptions } from '../../rights/rights.js';
import type { CliContext } from '../context.js';

export interface IdentifierFlags {
  idNumber?: string;
  phone?: string;
  email?: string;
  pseudonym?: string;
  subjectId?: string;
  asGuardian?: boolean;
  request?: string;
  verifiedBy?: string;
  operator?: string;
  json?: boolean;
}

/** Adds the identifier and request options to a rights command. */
export function withIdentifierOptions(cmd: Command, options: { guardian?: boolean } = {}): Command {
  cmd
    .option('--id-number <n>', 'the person\'s resident ID number')
    .option('--phone <p>', 'the person\'s phone number')
    .option('--email <e>', 'the person\'s email address')
    .option('--pseudonym <x>', 'the vault pseudonym (p_...)')
    .option('--subject-id <s>', 'the subject id (32 hex digits)');
  if (options.guardian !== false) cmd.option('--as-guardian', 'the identifier is the guardian\'s own: act for the children recorded with that guardian');
  return cmd
    .option('--request <id>', 'the open request this answers (default: a request is opened and answered)')
    .option('--verified-by <text>', 'how the requester was verified, for a request opened here (a description, never personal data)')
    .addOption(new Option('--operator <name>', 'officer login name (default: $SUNDER_OPERATOR, else the login name)'))
    .option('--json', 'print the result as one JSON line');
}

export function queryOf(f: IdentifierFlags): SubjectQuery {
  const q: Record<string, string> = {};
  for (const k of ['idNumber', 'phone', 'email', 'pseudonym', 'subjectId'] as const) if (f[k] !== undefined) q[k] = f[k];
  return q as unknown as SubjectQuery;
}

export function requestOptionsOf(f: IdentifierFlags): RequestOptions {
  return {
    ...(f.request === undefined ? {} : { requestId: f.request }),
    ...(f.asGuardian === true ? { asGuardian: true } : {}),
    ...(f.verifiedBy === undefined ? {} : { verifiedBy: f.verifiedBy }),
  };
}

/** Runs `fn` with Rights open on the data folder of the global options; closes it after. */
export async function withRights<T>(ctx: CliContext, operator: string | undefined, fn: (rights: Rights) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore(ctx.storeUrl());
  try {
    const rights = await Rights.open({ ...ctx.layoutOpts(), ...(store === undefined ? {} : { store }), ...(operator === undefined ? {} : { operator }) });
    if (rights.reshredded > 0) process.stderr.write(`sunder: shredded again the keys of ${rights.reshredded} erased subjects (the key store was restored from a backup)\n`);
    try {
      return await fn(rights);
    } finally {
      await rights.close();
    }
  } finally {
    await store?.close?.();
  }
}
