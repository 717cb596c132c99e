/**
 * The ingestion service: opens the stores with the ingest role's keys (public keys and keyed
 * hashes only: it can write both sides and read neither), repairs what a killed run left, and
 * turns sources into outcomes, one per input record, in input order, with backpressure (the
 * next batch is read only when the consumer asks for more outcomes).
 */
import { reshredErased } from '../rights/reshred.js';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { scopedToken, textTokenKey } from '../crypto/hmac.js';
import { keyFingerprint, loadRoleKeys, type IngestKeys } from '../crypto/keys.js';
import { X25519Sender } from '../crypto/recipient.js';
import type { BlindIndexer } from '../crypto/blind-index.js';
import { SunderError } from '../errors.js';
import { LineWriter } from '../line-writer.js';
import { osError } from '../os-errors.js';
import { auditIngestRun } from '../audit/hooks.js';
import { ensureAuditKey } from '../audit/open.js';
import { SqliteKeyStore } from '../keystore/sqlite.js';
import type { KeyStore } from '../keystore/keystore.js';
import type { AuthenticatedKeyStore } from '../keystore/authenticated.js';
import { requireWritableFormat } from '../migrate/version.js';
import { layoutOf, type Layout } from '../layout.js';
import type { Outcome } from '../record/outcome.js';
import { parsePolicy, type InputEncoding, type Policy, type PolicyInput } from '../record/policy.js';
import { FsObjectStore } from '../store/fs.js';
import type { ObjectStore } from '../store/object-store.js';
import { SqliteVault } from '../vault/sqlite.js';
import type { Vault } from '../vault/vault.js';
import { hasMedia, type BatchDeps, type BatchResult, type MediaStep } from './batch.js';
import { SealerPool } from './sealer-pool.js';
import { BatchQueue } from './batch-queue.js';
import { cacheBudget, type CacheBudget } from './cache-budget.js';
import { availableParallelism } from 'node:os';
import { batchesOf } from './batches.js';
import { WriterLock } from './lock.js';
import { initDataFolder, inspectDataFolder } from './data-folder.js';
import type { MediaStepContext } from './media-step.js';
import { privateDir } from '../dirs.js';
import { recover, type RecoveryReport } from './recovery.js';
import type { Readable } from 'node:stream';
import { fileItems, objectItems, streamItems, type InputFormat, type ReadOptions, type RecordSource, type SourceItem } from './sources.js';

export interface IngestorOptions {
  /** Data directory of the embedded default. @default "./sunder-data" */
  dataDir?: string;
  /** Folder of the role key files. @default "<dataDir>/keys" */
  keysDir?: string;
  /** Policy (field mapping, generalisation, detectors, batch size). @default DEFAULT_POLICY */
  policy?: PolicyInput;
  /**
   * Create the role keys when the data folder is brand-new (absent or empty) and no key file
   * exists in `keysDir` yet. A folder in use, or a keys folder holding any role file, never gets
   * new keys. Without `keyFiles` the officer's and exporter's secrets go into `keysDir` too: the
   * one-machine trial setup, announced through `onNotice`. @default true
   */
  createKeys?: boolean;
  /**
   * When keys are created: where the officer's and exporter's key files go (a file, or a folder
   * for `<role>.json`) instead of `keysDir`, so their secrets never touch the ingest host.
   * Given when no keys are made (they exist), `open` fails `CONFIG_INVALID` rather than ignore it.
   * @example { officer: '/mnt/officer-usb', exporter: '/mnt/exporter-usb' }
   */
  keyFiles?: { officer?: string; exporter?: string };
  /** How long a batch waits for more records from a slow source. @default 200 */
  maxBatchDelayMs?: number;
  /** Media stripper; without one, records with media are rejected `MEDIA_UNSUPPORTED`. */
  media?: (ctx: MediaStepContext) => MediaStep;
  /**
   * Worker threads that seal records (scan, mask, encrypt) beside the main thread.
   * @default os.availableParallelism() - 1
   */
  workers?: number;
  /**
   * Bytes for the per-run caches that grow with the number of people (public keys, digests,
   * compiled matchers; cache-budget.ts), estimated. Bounds peak RSS whatever the input's size.
   * @default 160 MiB
   */
  cacheBytes?: number;
  /** Told about things a person running ingest should know (keys created, recovery done). */
  onNotice?: (message: string) => void;
  /** Blind-index digests from elsewhere (a KMS/HSM holding the index key); the key in ingest.json otherwise. */
  blindIndexer?: BlindIndexer;
  /** Swap in other backends (PostgreSQL vault, S3 store); the embedded default otherwise. */
  vault?: Vault;
  keystore?: KeyStore;
  store?: ObjectStore;
}

/** Counts of a run in progress. */
export interface RunProgress {
  records: number;
  stored: number;
  rejected: number;
  duplicates: number;
}

export interface RunSummary extends RunProgress {
  runId: string;
  /** Subjects new to the vault in this run. */
  subjects: number;
  /** Identifiers masked in business text, by kind. */
  detections: Record<string, number>;
  /** Rejections by code. */
  rejections: Record<string, number>;
  elapsedMs: number;
  /** Where this run's outcomes were written. */
  outcomesFile: string;
}

export interface IngestRunOptions {
  /** Folder that media paths are relative to. @default the input file's folder, else the working directory */
  mediaRoot?: string;
  /** Character encoding of a file or stream (not of objects). @default policy.input.encoding ("utf-8") */
  encoding?: InputEncoding;
}

function readOptionsOf(o: IngestRunOptions): ReadOptions {
  return o.encoding === undefined ? {} : { encoding: o.encoding };
}

/** One run's outcomes, as an async iterable; `summary` is filled when iteration ends. */
export class IngestRun implements AsyncIterable<Outcome> {
  summary: RunSummary | undefined;
  /**
   * Counts so far, for a progress display: updated as each batch is accounted, so up to a
   * batch ahead of the outcomes consumed. All zero before iteration starts.
   */
  progress: Readonly<RunProgress> = { records: 0, stored: 0, rejected: 0, duplicates: 0 };
  private started = false;
  private finish!: () => void;
  /** Resolves when the run has ended (its summary is written), however it ended. */
  private readonly finished = new Promise<void>((r) => (this.finish = r));
  constructor(private readonly gen: (run: IngestRun) => AsyncGenerator<Outcome>) {}
  /** A run reads its source once: a second iteration would read a consumed stream, or a file again. */
  [Symbol.asyncIterator](): AsyncIterator<Outcome> {
    if (this.started) throw new SunderError('CONFIG_INVALID', 'this run was iterated already; an IngestRun yields its outcomes once');
    this.started = true;
    const inner = this.gen(this);
    const end = () => this.finish();
    // The generator's own `finally` writes the summary; `finished` follows it.
    return {
      next: (...args) => inner.next(...args).then((r) => (r.done === true && end(), r), (err: unknown) => (end(), Promise.reject(err))),
      return: (value) => inner.return(value).finally(end),
      throw: (err: unknown) => inner.throw(err).finally(end),
    };
  }
  /**
   * Consumes every outcome and returns the summary. Once the run was iterated (or `done` was
   * called), it only waits for the run to end and returns the same summary.
   */
  async done(onOutcome?: (o: Outcome) => void): Promise<RunSummary> {
    if (this.started) {
      await this.finished;
      return this.summary!;
    }
    for await (const o of this) onOutcome?.(o);
    return this.summary!;
  }
}

export class Ingestor {
  private closed = false;
  /** One subject-resolution path and commit order for all runs of this Ingestor. */
  private readonly queue: BatchQueue;
  /** The split of `options.cacheBytes` (cache-budget.ts). */
  private readonly cacheBudget: CacheBudget;

  private constructor(
    readonly layout: Layout,
    private readonly keys: IngestKeys,
    private readonly policy: Policy,
    private readonly vault: Vault,
    private readonly keystore: AuthenticatedKeyStore,
    private readonly store: ObjectStore,
    /** Absent when the vault and the key store take many writers (PostgreSQL). */
    private readonly lock: WriterLock | undefined,
    private readonly options: IngestorOptions,
    readonly recovery: RecoveryReport,
  ) {
    this.cacheBudget = cacheBudget(options.cacheBytes, 1 + Math.max(0, options.workers ?? availableParallelism() - 1));
    this.queue = new BatchQueue(this.cacheBudget);
  }

  static async open(options: IngestorOptions = {}): Promise<Ingestor> {
    const layout = layoutOf(options);
    try {
      return await Ingestor.openIn(layout, options);
    } catch (err) {
      throw osError(err, { what: 'the data folder', path: layout.dataDir });
    }
  }

  private static async openIn(layout: Layout, options: IngestorOptions): Promise<Ingestor> {
    const policy = parsePolicy(options.policy ?? {});
    if (!existsSync(layout.dataDir)) privateDir(layout.dataDir);
    // Taken before the folder is inspected: two writers must not both decide to initialise it.
    // The lock is the embedded default's: with a vault and a key store that take many writers
    // (PostgreSQL), any number of ingest processes run at once and the database decides.
    const shared = options.vault?.concurrentWriters === true && options.keystore?.concurrentWriters === true;
    const lock = shared ? undefined : WriterLock.acquire(layout.dataDir);
    let keys: IngestKeys;
    try {
      // Only a brand-new folder is initialised (keys are created only into it, and only when
      // none exist); a folder missing a piece is refused DATA_INCOMPLETE, never patched up.
      const stores = { vault: options.vault === undefined, keystore: options.keystore === undefined, objects: options.store === undefined };
      let created: string[] = [];
      if (inspectDataFolder(layout, stores).kind === 'new') {
        created = (await initDataFolder(layout, stores, { ...(options.createKeys === undefined ? {} : { createKeys: options.createKeys }), ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
          ...(options.keyFiles === undefined ? {} : { keyFiles: options.keyFiles }) })).keyFiles;
      }
      // Told where to write a secret that is not being made: say so rather than ignore it.
      const placed = Object.entries(options.keyFiles ?? {}).filter(([, v]) => v !== undefined).map(([role]) => role);
      if (placed.length > 0 && created.length === 0) {
        throw new SunderError('CONFIG_INVALID', `the role keys exist already (${layout.keysDir}), so ${placed.map((r) => `--${r}-out`).join(' and ')} ` +
          `${placed.length > 1 ? 'have' : 'has'} nothing to write; key files are made only once`, { path: ['keyFiles', placed[0]!] });
      }
      keys = await loadRoleKeys(layout.keysDir, 'ingest');
      await ensureAuditKey(layout);
    } catch (err) {
      lock?.release();
      throw err;
    }
    let vault: Vault | undefined;
    let keystore: AuthenticatedKeyStore | undefined;
    let rawKeystore: KeyStore | undefined;
    try {
      vault = options.vault ?? new SqliteVault(layout.vault);
      rawKeystore = options.keystore ?? new SqliteKeyStore(layout.keystore);
      // A version 1 folder is refused (STORE_VERSION: run `sunder migrate`); rows are MAC-checked.
      keystore = requireWritableFormat(vault, rawKeystore, keys);
      const store = options.store ?? new FsObjectStore(layout.objects);
      const vaultCheck = await vault.checkOrSetMeta({
        index_key_check: scopedToken(keys.indexKey, 'sunder-key-check', 'index'),
        pseudonym_key_check: scopedToken(keys.pseudonymKey, 'sunder-key-check', 'pseudonym'),
      });
      const ksCheck = await keystore.checkOrSetRoleKeys({ officer: keyFingerprint(keys.officerPublicKey), exporter: keyFingerprint(keys.exporterPublicKey) });
      if (vaultCheck.mismatched.length > 0 || ksCheck.mismatched.length > 0) {
        throw new SunderError('KEYS_WRONG', `the ingest key file does not belong to the store in ${layout.dataDir}: ` +
          `${[...vaultCheck.mismatched, ...ksCheck.mismatched.map((r) => `${r} public key`)].join(', ')} differ`);
      }
      if (store instanceof FsObjectStore) await store.sweepTemporaries(['segments', 'media']);
      // Keys of erased subjects that a key store restored from a backup brought back: gone first.
      const reshredded = await reshredErased(vault, rawKeystore);
      if (reshredded > 0) options.onNotice?.(`shredded again the keys of ${reshredded} erased subjects (the key store was restored from a backup)`);
      const recovery = await recover(vault, rawKeystore, store);
      if (recovery.objectsRemoved + recovery.keysRemoved > 0) {
        options.onNotice?.(`recovered from an interrupted run: removed ${recovery.objectsRemoved} uncommitted objects and ${recovery.keysRemoved} orphaned keys`);
      }
      return new Ingestor(layout, keys, policy, vault, keystore, store, lock, options, recovery);
    } catch (err) {
      await vault?.close().catch(() => undefined);
      await rawKeystore?.close().catch(() => undefined);
      lock?.release();
      throw err;
    }
  }

  /** Ingests records from objects (async iterable, iterable, or a Readable in object mode). */
  ingest(source: RecordSource, runOptions: IngestRunOptions = {}): IngestRun {
    return this.run(objectItems(source), runOptions.mediaRoot ?? process.cwd());
  }

  /**
   * Ingests an NDJSON or CSV file: `.csv` is CSV, anything else NDJSON, and a trailing `.gz` is
   * read through gunzip (`archive.ndjson.gz`); `runOptions.format` overrides the name.
   */
  ingestFile(path: string, runOptions: IngestRunOptions & { format?: InputFormat } = {}): IngestRun {
    return this.run(fileItems(path, this.policy, runOptions.format, readOptionsOf(runOptions)), runOptions.mediaRoot ?? join(path, '..'));
  }

  /**
   * Ingests NDJSON or CSV bytes from a stream: standard input, a socket, an HTTP request body.
   * Compressed input is the caller's to unpack (`stream.pipe(zlib.createGunzip())`).
   */
  ingestStream(stream: Readable, runOptions: IngestRunOptions & { format: InputFormat }): IngestRun {
    return this.run(streamItems(stream, runOptions.format, this.policy, readOptionsOf(runOptions)), runOptions.mediaRoot ?? process.cwd());
  }

  /** Ingests already-numbered items (for custom sources). */
  ingestItems(items: AsyncIterable<SourceItem>, runOptions: IngestRunOptions = {}): IngestRun {
    return this.run(items, runOptions.mediaRoot ?? process.cwd());
  }

  private run(items: AsyncIterable<SourceItem>, mediaRoot: string): IngestRun {
    return new IngestRun(async function* (this: Ingestor, run: IngestRun) {
      if (this.closed) throw new SunderError('CONFIG_INVALID', 'this ingestor is closed');
      const started = Date.now();
      const runId = `${new Date(started).toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
      const runDir = join(this.layout.runs, runId);
      try {
        mkdirSync(runDir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw osError(err, { what: 'the run folder' });
      }
      const outcomesFile = join(runDir, 'outcomes.ndjson');
      const log = new LineWriter(outcomesFile, 'the outcome log');
      const summary: RunSummary = { runId, records: 0, stored: 0, rejected: 0, duplicates: 0, subjects: 0, detections: {}, rejections: {}, elapsedMs: 0, outcomesFile };
      run.progress = summary;
      await this.vault.startRun(runId);
      const sealer = new SealerPool({
        indexKey: this.keys.indexKey,
        policy: this.policy,
        tokenKey: textTokenKey(this.keys.pseudonymKey),
        cache: this.cacheBudget.sealer,
        ...(this.options.workers === undefined ? {} : { workers: this.options.workers }),
      });
      const deps: BatchDeps = {
        vault: this.vault, keystore: this.keystore, store: this.store, keys: this.keys, policy: this.policy,
        // The overlay and key caches are the Ingestor's, shared by its runs (batch-queue.ts).
        // Its cache holds the two role recipients and those of subjects with media.
        sender: new X25519Sender({ maxCached: 4096 }), sealer, runId,
        publicKeys: this.queue.publicKeys, newSecrets: this.queue.newSecrets, blindDigests: this.queue.blindDigests, inflight: this.queue.inflight,
        ...(this.options.media === undefined ? {} : { media: this.options.media({ store: this.store, mediaRoot, limits: { maxBytes: this.policy.input.maxMediaBytes, maxPixels: this.policy.input.maxMediaPixels } }) }),
        ...(this.options.blindIndexer === undefined ? {} : { indexer: this.options.blindIndexer }),
      };
      const record = async (result: BatchResult): Promise<void> => {
        summary.subjects += result.newSubjects;
        let lines = '';
        for (const o of result.outcomes) {
          summary.records++;
          if (o.status === 'stored') {
            summary.stored++;
            for (const [k, n] of Object.entries(o.detections)) summary.detections[k] = (summary.detections[k] ?? 0) + n;
          } else if (o.status === 'duplicate') summary.duplicates++;
          else {
            summary.rejected++;
            summary.rejections[o.code] = (summary.rejections[o.code] ?? 0) + 1;
          }
          lines += JSON.stringify(o) + '\n';
        }
        await log.write(lines);
      };
      const account = async function* (result: BatchResult): AsyncGenerator<Outcome> {
        await record(result);
        yield* result.outcomes;
      };
      // Two batches overlap: while batch k seals (mostly in workers) and commits, batch k+1 is
      // read and resolved on this thread. Commits stay in order. If the source is slow, k's
      // outcomes go out as soon as k commits rather than when k+1 arrives. A batch with media
      // may still change outcomes after prepare (a file can be rejected), so it is finished
      // before the next batch is prepared.
      const source = batchesOf(items, this.policy.batchSize, this.options.maxBatchDelayMs ?? 200, this.policy.input.maxBatchBytes)[Symbol.asyncIterator]();
      // The next batch, tagged for racing against the batch in flight. A handler is attached at
      // once: a source error must surface through `await`, never as an unhandled rejection of a
      // race that the batch in flight won.
      const pull = () => {
        const p = source.next().then((r) => ({ batch: r }));
        p.catch(() => undefined);
        return p;
      };
      let next = pull();
      let inflight: Promise<BatchResult> | undefined;
      let failed: unknown;
      try {
        for (;;) {
          let step: IteratorResult<SourceItem[]>;
          if (inflight === undefined) step = (await next).batch;
          else {
            const first = await Promise.race([next, inflight.then((r) => ({ result: r }))]);
            if ('result' in first) {
              inflight = undefined;
              yield* account(first.result);
              continue;
            }
            step = first.batch;
          }
          if (step.done) {
            // Nothing left to prepare: this thread helps seal what is in flight.
            sealer.hurry();
            break;
          }
          // The queue prepares one batch at a time across all runs and commits in that order;
          // it never commits past a failed batch, whose subjects may be this batch's subjects.
          const { prepared, done } = await this.queue.submit(deps, step.value);
          next = pull();
          const previous = inflight;
          inflight = done;
          if (previous !== undefined) yield* account(await previous);
          if (hasMedia(prepared)) {
            inflight = undefined;
            yield* account(await done);
          }
        }
        if (inflight !== undefined) {
          const last = inflight;
          inflight = undefined;
          yield* account(await last);
        }
      } catch (err) {
        failed = err;
        throw osError(err, { what: 'the data folder', path: this.layout.dataDir });
      } finally {
        // Every step runs even if one before it fails (a full disk fails several): the workers
        // must stop and the log must close, or the process hangs holding the writer lock. The
        // first failure is thrown, unless the run is already failing with its own error.
        const failures: unknown[] = [];
        const step = async (fn: () => unknown): Promise<void> => {
          try {
            await fn();
          } catch (err) {
            failures.push(osError(err, { what: 'the run folder', path: runDir }));
          }
        };
        // A consumer that stops early, or an error elsewhere, still lets the batch in flight
        // settle before the stores close under it; if it committed, its outcomes are logged.
        if (inflight !== undefined) {
          const settled = await inflight.then((r) => r, () => undefined);
          if (settled !== undefined) await step(() => record(settled));
        }
        await step(() => sealer.close());
        await step(() => deps.media?.close?.());
        summary.elapsedMs = Date.now() - started;
        run.summary = summary;
        await step(() => log.close());
        await step(() => writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n', { mode: 0o600 }));
        await step(() => this.vault.finishRun(runId, JSON.stringify(summary)));
        await step(() => auditIngestRun(this.layout, summary, failed ?? failures[0]));
        if (failures.length > 0 && failed === undefined) throw failures[0];
      }
    }.bind(this));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.vault.close();
      await this.keystore.close();
    } finally {
      this.lock?.release();
    }
  }
}
