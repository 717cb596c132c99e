/** `sunder stats [--json]`: subjects, records, objects and bytes per store. Read-only. */
import { Command } from 'commander';
import { openConfiguredStore, parseStoreUrl } from '../../config/store-url.js';
import { collectStats, type StoreStats } from '../../stats/stats.js';
import type { CliContext } from '../context.js';

const size = (n: number | null) => (n === null ? 'unknown' : n < 1024 ** 2 ? `${n} B` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

function text(s: StoreStats): string {
  const prefixes = Object.entries(s.objects.byPrefix).map(([p, v]) => `${p} ${v.objects} (${size(v.bytes)})`).join(', ');
  return [
    `vault (${s.vault.driver}): ${s.vault.subjects} subjects, ${s.vault.records} records, ${s.vault.segments} segments, ${s.vault.identities} identity entries; ${size(s.vault.bytes)}`,
    `key store (${s.keystore.driver}): ${size(s.keystore.bytes)}`,
    `objects (${s.objects.driver}): ${s.objects.objects} objects, ${size(s.objects.bytes)}: ${prefixes}`,
  ].join('\n');
}

export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description('subjects, records, objects and bytes per store (read-only)')
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const url = ctx.storeUrl();
      const parsed = url === undefined ? undefined : parseStoreUrl(url);
      const store = await openConfiguredStore(url, ctx.storeEnv());
      try {
        const s = await collectStats({
          ...ctx.layoutOpts(),
          ...(store === undefined ? {} : { store }),
          ...(parsed?.kind === 'file' ? { storeRoot: parsed.path } : {}),
        });
        process.stdout.write((opts.json ? JSON.stringify(s) : text(s)) + '\n');
      } finally {
        await store?.close?.();
      }
    });
}
