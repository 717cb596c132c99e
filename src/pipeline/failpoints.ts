/**
 * Named crash points for the crash-safety tests: `SUNDER_FAILPOINT=<name>` makes the process
 * SIGKILL itself when it reaches that point, so each write boundary of a batch is proven to be
 * recoverable in a real process, not only where a random kill happens to land. Read once at
 * start-up; a run without the variable pays one comparison per batch.
 */
const armed = process.env.SUNDER_FAILPOINT;

export type Failpoint =
  | 'after-pending' // pending marks written, nothing else
  | 'after-media' // media objects stored, batch not committed
  | 'after-keys' // subject keys in the key store, batch not committed
  | 'after-segment' // segment written, vault not committed
  | 'after-commit'; // vault committed, outcomes not yet reported

export function failpoint(name: Failpoint): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
