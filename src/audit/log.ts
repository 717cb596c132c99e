/**
 * The audit log: append-only NDJSON (`audit.log`), one canonical-JSON entry a line, each MACed
 * with the audit key over the previous entry's MAC and its own canonical form, so that an
 * edited, deleted, inserted or reordered entry breaks the chain at that entry. A sidecar
 * (`audit.head`, its own MAC) records how many entries were acknowledged and the last MAC, so a
 * cut-off tail is seen too: the log alone cannot tell "ends here" from "was cut here".
 *
 * Writes are synchronous inside a lock file (`audit.lock`): within one process two writers
 * cannot interleave (no await between reading the tail and writing after it), and across
 * processes the lock serialises them. Each append is fsynced before it returns; `appendBatch`
 * fsyncs once for all its entries, so a crash loses at most that batch, never part of the
 * chain before it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync,
  writeSync, createReadStream,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { threadId } from 'node:worker_threads';
import { SunderError } from '../errors.js';
import { canonicalJson, checkEntryInput, pickInput, type AuditAction, type AuditEntry, type AuditEntryInput } from './entry.js';
import { openCheckpoint, signCheckpoint, splitNotes, type Checkpoint } from './checkpoint.js';
import { rawLines } from './leaves.js';
import { consistencyRanges, EMPTY_ROOT, inclusionRanges, leafHash, RangeHasher, TreeBuilder, verifyConsistency } from './merkle.js';
import type { AuditKey } from './key.js';
import { processAlive } from '../process-alive.js';

const DOMAIN = 'sunder-audit-v1';

export interface AuditLogOptions {
  /** Clock for entry times (tests inject one). @default () => new Date() */
  now?: () => Date;
  /** How long to wait for another process's append. @default 10000 */
  lockTimeoutMs?: number;
  /** Create the folder, an empty log and its sidecar when none exist. False for a read-only look (verify, list). @default true */
  create?: boolean;
}

export interface AuditQuery {
  subjectId?: string;
  action?: AuditAction;
  /** Entries at or after this time. */
  since?: Date | string;
}

export type AuditProblem =
  | 'malformed' // not a JSON entry
  | 'not-canonical' // bytes differ from the entry's canonical form
  | 'sequence' // seq is not the line number: an entry deleted, inserted or moved
  | 'chain' // prev is not the MAC of the entry before
  | 'mac' // the entry's MAC does not match: edited, or written with another key
  | 'torn' // the last line is incomplete
  | 'head' // the sidecar is missing, unreadable or not MACed with this key
  | 'truncated' // fewer entries than the sidecar acknowledged, or another tail
  | 'checkpoint'; // does not extend a kept checkpoint

export interface AuditVerifyReport {
  ok: boolean;
  /** Entries that verified, in order, before any problem. */
  verified: number;
  /** Entries the sidecar acknowledges. */
  acknowledged: number;
  /**
   * The first problem: the entry number (1-based) and what is wrong there. For a history
   * rewritten with the key (`checkpoint`), `entry` is the failing checkpoint's size and
   * `earliest` the first entry that can be the changed one (one past the last kept checkpoint
   * that still holds).
   */
  problem?: { entry: number; kind: AuditProblem; message: string; earliest?: number };
  /**
   * With `against`: how the log extends the (latest) kept checkpoint. `proof` is the RFC 6962
   * consistency proof (base64 hashes) from its size to the log's, checked against its root and
   * the log's; `legacy` marks a checkpoint from before the Merkle tree, whose third line is the
   * chain head, matched against the MAC of entry `size` instead.
   */
  checkpoint?: { size: number; proof: string[]; legacy?: true };
}

/**
 * One entry proven against a signed checkpoint, without the rest of the log: what a person
 * can be given as evidence that an action about them is on the record (no personal data in it).
 * Check it with `verifyReceipt` and the audit key's public half.
 */
export interface AuditReceipt {
  /** The entry as stored; its canonical JSON bytes are the Merkle leaf. */
  entry: AuditEntry;
  /** 0-based position in the tree: `entry.seq - 1`. */
  leafIndex: number;
  treeSize: number;
  /** RFC 6962 inclusion proof, standard base64 hashes, leaf's sibling first. */
  inclusionProof: string[];
  /** The signed note (C2SP tlog-checkpoint) of the tree of `treeSize` entries. */
  checkpoint: string;
}

interface Head {
  seq: number;
  mac: string;
}

const b64u = (b: Buffer) => b.toString('base64url');

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}


export class AuditLog {
  readonly file: string;
  readonly headFile: string;
  private readonly lockFile: string;
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;

  private constructor(readonly dir: string, private readonly key: AuditKey, options: AuditLogOptions) {
    this.file = join(dir, 'audit.log');
    this.headFile = join(dir, 'audit.head');
    this.lockFile = join(dir, 'audit.lock');
    this.now = options.now ?? (() => new Date());
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  /** Opens (creating the folder and an empty log) the audit log in `dir`. */
  static async open(dir: string, key: AuditKey, options: AuditLogOptions = {}): Promise<AuditLog> {
    const log = new AuditLog(dir, key, options);
    if (options.create === false) return log;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!existsSync(log.file) && !existsSync(log.headFile)) {
      // The sidecar exists before the first entry does, so a log with entries and no sidecar
      // is never a crash, always a deletion.
      log.withLock(() => {
        if (!existsSync(log.headFile)) log.writeHead({ seq: 0, mac: log.genesis() });
        if (!existsSync(log.file)) closeSync(openSync(log.file, 'a', 0o600));
      });
    }
    return log;
  }

  /** Appends one entry (fsynced before this resolves) and returns it as stored. */
  async append(input: AuditEntryInput): Promise<AuditEntry> {
    return (await this.appendBatch([input]))[0]!;
  }

  /** Appends entries in order with one fsync: a crash keeps all of them or a prefix of them. */
  async appendBatch(inputs: readonly AuditEntryInput[]): Promise<AuditEntry[]> {
    for (const input of inputs) checkEntryInput(input);
    if (inputs.length === 0) return [];
    return this.withLock(() => {
      let { seq, mac } = this.tailForAppend();
      const time = this.now().toISOString();
      const out: AuditEntry[] = [];
      let lines = '';
      for (const input of inputs) {
        const body = { ...pickInput(input), seq: seq + 1, time, prev: mac };
        const entry: AuditEntry = { ...body, mac: this.macOf(body) };
        lines += canonicalJson(entry) + '\n';
        out.push(entry);
        seq = entry.seq;
        mac = entry.mac;
      }
      const fd = openSync(this.file, 'a', 0o600);
      try {
        const bytes = Buffer.from(lines, 'utf8');
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.writeHead({ seq, mac });
      return out;
    });
  }

  /**
   * Walks the whole chain and the sidecar, and checks that the log extends `against` (signed
   * checkpoints kept elsewhere: one note, or several one after another, as `sunder audit
   * checkpoint >> kept.txt` collects them) when given; reports the first broken entry.
   */
  async verify(options: { against?: string } = {}): Promise<AuditVerifyReport> {
    return (await this.walk(options.against === undefined ? [] : splitNotes(options.against).map((note) => openCheckpoint(note, this.key)))).report;
  }

  /** A signed checkpoint (C2SP tlog-checkpoint: size and Merkle root) of the log as it is now; refused if the log does not verify. */
  async checkpoint(): Promise<string> {
    const { report, root } = await this.walk([]);
    if (!report.ok) {
      throw new SunderError('AUDIT_TAMPERED', `the audit log is broken at entry ${report.problem!.entry} (${report.problem!.kind}); no checkpoint signed`);
    }
    return signCheckpoint(this.key, report.verified, root);
  }

  /**
   * An inclusion proof of entry `seq` (1-based) in the tree of the first `size` entries (all of
   * them by default) and that tree's signed checkpoint; refused if the log does not verify.
   * Two passes over the log (verify, then prove), holding O(log n) hashes.
   */
  async receipt(seq: number, options: { size?: number } = {}): Promise<AuditReceipt> {
    const { report, bytes } = await this.walk([]);
    if (!report.ok) {
      throw new SunderError('AUDIT_TAMPERED', `the audit log is broken at entry ${report.problem!.entry} (${report.problem!.kind}); no proof made`);
    }
    const treeSize = options.size ?? report.verified;
    if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > report.verified) {
      throw new SunderError('AUDIT_ENTRY_NOT_FOUND', `expected a tree size from 1 to ${report.verified} (the entries in the log)`, { path: ['size'] });
    }
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > treeSize) {
      throw new SunderError('AUDIT_ENTRY_NOT_FOUND', `expected an entry number from 1 to ${treeSize}`, { path: ['entry'] });
    }
    const ranges = new RangeHasher(inclusionRanges(seq - 1, treeSize));
    const tree = new TreeBuilder();
    let line: Buffer | undefined;
    for await (const raw of rawLines(this.file, bytes)) {
      const leaf = leafHash(raw);
      ranges.push(leaf);
      tree.push(leaf);
      if (tree.size === seq) line = Buffer.from(raw);
      if (tree.size === treeSize) break;
    }
    if (line === undefined || tree.size !== treeSize) throw new SunderError('AUDIT_TAMPERED', 'the audit log changed while its proof was made; run `sunder audit verify`');
    return {
      entry: JSON.parse(line.toString('utf8')) as AuditEntry,
      leafIndex: seq - 1,
      treeSize,
      inclusionProof: ranges.hashes().map((h) => h.toString('base64')),
      checkpoint: signCheckpoint(this.key, treeSize, tree.root()),
    };
  }

  private async walk(kept: readonly Checkpoint[]): Promise<{ report: AuditVerifyReport; last: string; root: Buffer; bytes: number }> {
    const { head, size } = this.snapshot();
    let expected = 1;
    let prev = this.genesis();
    // The Merkle tree grows with the chain walk: leaves are the verified lines' bytes.
    const tree = new TreeBuilder();
    const fail = (entry: number, kind: AuditProblem, message: string, earliest?: number) => ({
      report: { ok: false, verified: entry - 1, acknowledged: head?.seq ?? 0, problem: { entry, kind, message, ...(earliest === undefined ? {} : { earliest }) } },
      last: prev,
      root: tree.root(),
      bytes: size,
    });
    // What the log holds at each kept checkpoint's size: the chain MAC and the tree root there.
    const at = new Map<number, { mac: string; root: Buffer }>();
    const wanted = new Set(kept.map((c) => c.size));
    if (wanted.has(0)) at.set(0, { mac: prev, root: EMPTY_ROOT });
    let macAtHead = head?.seq === 0 ? prev : undefined;
    if (size > 0) {
      for await (const { line, complete } of this.lines(size)) {
        if (!complete) return fail(expected, 'torn', `entry ${expected} is incomplete (the log ends mid-line)`);
        const checked = this.checkLine(line, expected, prev);
        if (typeof checked !== 'string') return fail(expected, checked.kind, checked.message);
        prev = checked;
        tree.push(leafHash(Buffer.from(line, 'utf8')));
        if (expected === head?.seq) macAtHead = checked;
        if (wanted.has(expected)) at.set(expected, { mac: checked, root: tree.root() });
        expected++;
      }
    }
    const count = expected - 1;
    if (head === undefined) return fail(count + 1, 'head', `the sidecar ${this.headFile} is missing or not MACed with this audit key`);
    if (head.seq > count) return fail(count + 1, 'truncated', `the sidecar acknowledges ${head.seq} entries, the log holds ${count}: entry ${count + 1} onwards is gone`);
    if (macAtHead !== head.mac) return fail(head.seq, 'truncated', `entry ${head.seq} is not the one the sidecar acknowledged: the tail was replaced`);
    const root = tree.root();
    // Oldest first: the first kept checkpoint the log no longer extends bounds the change from
    // above, the last one it still extends from below.
    let held: { size: number; proof: string[]; legacy?: true } | undefined;
    for (const checkpoint of [...kept].sort((x, y) => x.size - y.size)) {
      const earliest = (held?.size ?? 0) + 1;
      const where = earliest === checkpoint.size ? `entry ${checkpoint.size}` : `an entry from ${earliest} to ${checkpoint.size}`;
      const there = at.get(checkpoint.size);
      if (there === undefined) {
        return fail(count + 1, 'checkpoint', `the checkpoint covers ${checkpoint.size} entries, the log holds ${count}: entry ${count + 1} onwards is gone`, earliest);
      }
      if (there.root.equals(checkpoint.root)) {
        // The transparency-log check: a consistency proof from the kept tree head to today's,
        // made from the log and verified against both roots.
        const proof = await this.consistencyProof(checkpoint.size, count, size);
        if (proof === undefined || !verifyConsistency(checkpoint.size, count, proof, checkpoint.root, root)) {
          return fail(checkpoint.size, 'checkpoint', `the log of ${count} entries does not prove consistent with the checkpoint of ${checkpoint.size}: it changed while verified`);
        }
        held = { size: checkpoint.size, proof: proof.map((h) => h.toString('base64')) };
      } else if (Buffer.from(there.mac, 'base64url').equals(checkpoint.root)) {
        held = { size: checkpoint.size, proof: [], legacy: true };
      } else {
        // One root cannot say which leaf differs: the chain held, so whoever rewrote it held the
        // key. An older kept checkpoint that still holds narrows it (`earliest`).
        return fail(checkpoint.size, 'checkpoint',
          `entries 1..${checkpoint.size} no longer hash to the checkpoint's root: ${where} was changed, removed, inserted or reordered, and the chain rebuilt with the audit key`, earliest);
      }
    }
    return { report: { ok: true, verified: count, acknowledged: head.seq, ...(held === undefined ? {} : { checkpoint: held }) }, last: prev, root, bytes: size };
  }

  /** The consistency proof from `first` to `second` entries, read from the log up to byte `bytes`; undefined if it ended short. */
  private async consistencyProof(first: number, second: number, bytes: number): Promise<Buffer[] | undefined> {
    const ranges = new RangeHasher(consistencyRanges(first, second));
    if (!ranges.done) {
      for await (const raw of rawLines(this.file, bytes)) {
        ranges.push(leafHash(raw));
        if (ranges.done) break;
      }
    }
    return ranges.done ? ranges.hashes() : undefined;
  }

  /** Entries matching every given filter, in log order. Reads without verifying: run verify() for that. */
  async query(filter: AuditQuery = {}): Promise<AuditEntry[]> {
    const since = filter.since === undefined ? undefined : new Date(filter.since).getTime();
    if (since !== undefined && Number.isNaN(since)) throw new SunderError('CONFIG_INVALID', 'expected `since` to be a date', { path: ['since'] });
    const out: AuditEntry[] = [];
    const { size } = this.snapshot();
    if (size <= 0) return out;
    for await (const { line, complete } of this.lines(size)) {
      if (!complete) break;
      let e: AuditEntry;
      try {
        e = JSON.parse(line) as AuditEntry;
      } catch {
        continue;
      }
      if (filter.action !== undefined && e.action !== filter.action) continue;
      if (filter.subjectId !== undefined && !(e.target?.subjects ?? []).includes(filter.subjectId)) continue;
      if (since !== undefined && !(Date.parse(e.time) >= since)) continue;
      out.push(e);
    }
    return out;
  }

  /** The acknowledged size and last MAC, as the sidecar holds them (undefined if it does not verify). */
  head(): { seq: number; mac: string } | undefined {
    return this.readHead();
  }

  /** MAC of entry `seq` as stored (undefined past the end). */
  macAt(seq: number): string | undefined {
    if (seq === 0) return this.genesis();
    const raw = existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
    let start = 0;
    for (let n = 1; start < raw.length; n++) {
      const end = raw.indexOf('\n', start);
      if (end < 0) return undefined;
      if (n === seq) {
        try {
          return (JSON.parse(raw.slice(start, end)) as AuditEntry).mac;
        } catch {
          return undefined;
        }
      }
      start = end + 1;
    }
    return undefined;
  }

  // --- chain -------------------------------------------------------------------------------

  private genesis(): string {
    return b64u(createHmac('sha256', this.key.macKey).update(`${DOMAIN}\0genesis`).digest());
  }

  private macOf(body: Omit<AuditEntry, 'mac'>): string {
    return b64u(createHmac('sha256', this.key.macKey).update(`${DOMAIN}\0entry\0`).update(Buffer.from(body.prev, 'base64url')).update(canonicalJson(body)).digest());
  }

  /** The entry's MAC when `line` is entry `seq` chained to `prev`; else what is wrong. */
  private checkLine(line: string, seq: number, prev: string): string | { kind: AuditProblem; message: string } {
    let e: AuditEntry;
    try {
      e = JSON.parse(line) as AuditEntry;
    } catch {
      return { kind: 'malformed', message: `entry ${seq} is not JSON` };
    }
    if (e === null || typeof e !== 'object' || typeof e.mac !== 'string' || typeof e.prev !== 'string') {
      return { kind: 'malformed', message: `entry ${seq} is not an audit entry` };
    }
    if (canonicalJson(e) !== line) return { kind: 'not-canonical', message: `entry ${seq} was rewritten (its bytes are not its canonical form)` };
    if (e.seq !== seq) return { kind: 'sequence', message: `entry ${seq} carries number ${String(e.seq)}: an entry was removed, inserted or moved here` };
    if (e.prev !== prev) {
      return seq === 1
        ? { kind: 'chain', message: 'entry 1 does not start a chain under this audit key: the log was made with another key' }
        : { kind: 'chain', message: `entry ${seq} does not follow entry ${seq - 1}: an entry was removed, inserted or moved here` };
    }
    const { mac, ...body } = e;
    const want = Buffer.from(this.macOf(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      return { kind: 'mac', message: `entry ${seq} does not match its MAC: edited, or written with another audit key` };
    }
    return mac;
  }

  // --- files -------------------------------------------------------------------------------

  /**
   * The sidecar and the log's size, read together under the lock (when the folder can be
   * written), so an append in progress elsewhere is seen whole or not at all: reading the log
   * only up to `size` afterwards, a concurrent writer never looks like a torn or cut tail.
   * `size` is -1 when there is no log file.
   */
  private snapshot(): { head: Head | undefined; size: number } {
    const read = () => ({ head: this.readHead(), size: existsSync(this.file) ? statSync(this.file).size : -1 });
    try {
      return this.withLock(read);
    } catch (err) {
      // A missing folder, or a read-only copy handed to an auditor: nobody can be writing.
      if (['ENOENT', 'EACCES', 'EROFS', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) return read();
      throw err;
    }
  }

  /** The log's lines up to byte `size`; the last is incomplete when it does not end in a newline there. */
  private async *lines(size: number): AsyncGenerator<{ line: string; complete: boolean }> {
    const torn = this.byteAt(size - 1) !== 0x0a;
    const rl = createInterface({ input: createReadStream(this.file, { encoding: 'utf8', start: 0, end: size - 1 }), crlfDelay: Infinity });
    let pending: string | undefined;
    for await (const line of rl) {
      if (pending !== undefined) yield { line: pending, complete: true };
      pending = line;
    }
    if (pending !== undefined) yield { line: pending, complete: !torn };
  }

  private byteAt(offset: number): number | undefined {
    const fd = openSync(this.file, 'r');
    try {
      const b = Buffer.alloc(1);
      return readSync(fd, b, 0, 1, offset) === 1 ? b[0] : undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** The last complete entry's seq and MAC, checked against the sidecar before anything is appended after it. */
  private tailForAppend(): Head {
    const head = this.readHead();
    if (head === undefined) throw new SunderError('AUDIT_TAMPERED', `the audit sidecar ${this.headFile} is missing or not MACed with this audit key; run \`sunder audit verify\``);
    if (!existsSync(this.file)) {
      if (head.seq > 0) throw new SunderError('AUDIT_TAMPERED', `the audit log ${this.file} is gone; its sidecar acknowledges ${head.seq} entries`);
      closeSync(openSync(this.file, 'a', 0o600));
    }
    const fd = openSync(this.file, 'r+');
    try {
      const size = fstatSync(fd).size;
      let tail = this.readTail(fd, size);
      if (tail.tornFrom !== undefined) {
        // A torn last line was never acknowledged (the sidecar is written after the fsync), so
        // it is dropped; one the sidecar acknowledges is damage, never repaired here.
        let last = 0;
        try {
          last = tail.last === undefined ? 0 : Number((JSON.parse(tail.last) as AuditEntry).seq);
        } catch {
          last = Number.NaN;
        }
        if (!(head.seq <= last)) throw new SunderError('AUDIT_TAMPERED', `the audit log ${this.file} ends mid-entry; run \`sunder audit verify\``);
        ftruncateSync(fd, tail.tornFrom);
        fsyncSync(fd);
        tail = this.readTail(fd, tail.tornFrom);
      }
      let seq = 0;
      let mac = this.genesis();
      if (tail.last !== undefined) {
        try {
          const e = JSON.parse(tail.last) as AuditEntry;
          if (!Number.isSafeInteger(e.seq) || typeof e.mac !== 'string') throw new Error('not an entry');
          seq = e.seq;
          mac = e.mac;
        } catch {
          throw new SunderError('AUDIT_TAMPERED', `the last entry of ${this.file} is not an audit entry; run \`sunder audit verify\``);
        }
      }
      // Appending after a cut or a replaced tail would overwrite the evidence in the sidecar.
      if (head.seq > seq || (head.seq === seq && head.mac !== mac)) {
        throw new SunderError('AUDIT_TAMPERED', `the audit log ${this.file} no longer ends where its sidecar says; run \`sunder audit verify\``);
      }
      return { seq, mac };
    } finally {
      closeSync(fd);
    }
  }

  /** The last complete line before `size`, and where a torn (newline-less) tail starts. */
  private readTail(fd: number, size: number): { last?: string; tornFrom?: number } {
    let chunk = 64 * 1024;
    for (;;) {
      const from = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      const endNl = buf.lastIndexOf(0x0a);
      const tornFrom = endNl === buf.length - 1 ? undefined : from + endNl + 1;
      if (endNl < 0) {
        if (from === 0) return size === 0 ? {} : { tornFrom: 0 };
        chunk *= 4;
        continue;
      }
      const startNl = buf.lastIndexOf(0x0a, endNl - 1);
      if (startNl < 0 && from > 0) {
        chunk *= 4;
        continue;
      }
      const last = buf.subarray(startNl + 1, endNl).toString('utf8');
      return tornFrom === undefined ? { last } : { last, tornFrom };
    }
  }

  private headMac(h: Head): string {
    return b64u(createHmac('sha256', this.key.macKey).update(`${DOMAIN}\0head\0${h.seq}\0${h.mac}`).digest());
  }

  private readHead(): Head | undefined {
    try {
      const j = JSON.parse(readFileSync(this.headFile, 'utf8')) as { sunder?: unknown; seq?: unknown; mac?: unknown; headMac?: unknown };
      if (j.sunder !== 'audit-head' || !Number.isSafeInteger(j.seq) || typeof j.mac !== 'string' || typeof j.headMac !== 'string') return undefined;
      const h = { seq: j.seq as number, mac: j.mac };
      return this.headMac(h) === j.headMac ? h : undefined;
    } catch {
      return undefined;
    }
  }

  private writeHead(h: Head): void {
    const tmp = `${this.headFile}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ sunder: 'audit-head', seq: h.seq, mac: h.mac, headMac: this.headMac(h) }) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.headFile);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /**
   * Runs `fn` holding `audit.lock`. `fn` is synchronous, so no other writer in this process can
   * run between its read of the tail and its write; the file keeps other processes out. A lock
   * left by a dead process (SIGKILL mid-append) is taken over.
   */
  private withLock<T>(fn: () => T): T {
    const deadline = Date.now() + this.lockTimeoutMs;
    // pid and thread: a worker thread of this process is another writer, the same thread is not.
    const me = `${process.pid} ${threadId}`;
    for (;;) {
      let fd: number;
      try {
        fd = openSync(this.lockFile, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let holder: string;
        try {
          holder = readFileSync(this.lockFile, 'utf8').trim();
        } catch {
          continue; // released between our attempt and the read
        }
        const pid = Number(holder.split(' ')[0]);
        // This thread cannot hold it (appends are synchronous), so then it is a dead run's lock.
        // An empty one older than a second is a holder that died between creating and writing it.
        if (holder === me || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) || (holder === '' && emptyFor(this.lockFile, 1000))) {
          rmSync(this.lockFile, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new SunderError('AUDIT_LOCKED', `another writer (pid ${pid}) has held ${this.lockFile} for over ${this.lockTimeoutMs} ms`);
        sleepSync(2);
        continue;
      }
      // Ours: a failed write (a full disk) must not leave an empty lock that blocks every writer.
      try {
        writeSync(fd, me);
      } catch (err) {
        closeSync(fd);
        rmSync(this.lockFile, { force: true });
        throw err;
      }
      closeSync(fd);
      break;
    }
    try {
      return fn();
    } finally {
      rmSync(this.lockFile, { force: true });
    }
  }
}

/** True when `file` is still empty and was last changed more than `ms` ago. */
function emptyFor(file: string, ms: number): boolean {
  try {
    const st = statSync(file);
    return st.size === 0 && Date.now() - st.mtimeMs > ms;
  } catch {
    return false;
  }
}
