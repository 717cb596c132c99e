/**
 * Today's UTC date as `YYYYMMDD`, for scans given no document date: it bounds the birth dates
 * inside ID numbers (a number "born" tomorrow is no resident ID yet).
 *
 * Kept current by an unref'd one-minute timer rather than read per scan: `Date.now()` costs
 * ~100 ns on this class of VM, a third of a short text's scan. An earlier count of scans between
 * clock reads went stale for as long as traffic was low: days in a quiet ingestion service,
 * during which the ID numbers of babies born since were not recognised.
 */
let today = '';
let timer: ReturnType<typeof setInterval> | undefined;

export function compactDate(d: Date): string {
  return String(d.getUTCFullYear()).padStart(4, '0') + String(d.getUTCMonth() + 1).padStart(2, '0') + String(d.getUTCDate()).padStart(2, '0');
}

function refresh(): void {
  today = compactDate(new Date());
}

export function todayUtc(): string {
  if (timer === undefined) {
    refresh();
    timer = setInterval(refresh, 60_000);
    // A library timer must never keep a process alive.
    timer.unref();
  }
  return today;
}
