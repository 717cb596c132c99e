/**
 * `sunder scan`: the detection engine on a file or stdin, streamed with bounded memory.
 * `--json`: one line per finding `{"kind","start","end","score"}` (never the value);
 * `--mask`: the masked text; neither: a count per kind. `runScan` is the command as a library
 * call (tests make it directly); `scanCommand` wires it to the arguments.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createScanner, type Finding, type ScannerOptions } from '../../detect/index.js';
import type { OperatorConfig } from '../../mask/index.js';
import { SunderError } from '../../errors.js';
import { Command, Option } from 'commander';
import { scannerOptionsOf } from '../../pipeline/scrub.js';
import { loadPolicy } from '../../record/policy.js';

export interface RunScanOptions {
  /** Path to read; undefined or '-' reads `stdin`. */
  file?: string;
  json: boolean;
  mask: boolean;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** Operators for `--mask`. @default { default: 'tag' } */
  operators?: OperatorConfig;
  /** Scanner settings (a policy's disabled kinds and own recognizers). @default the built-ins */
  scanner?: ScannerOptions;
}

function write(out: NodeJS.WritableStream, s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(s, (err) => (err ? reject(err) : resolve()));
  });
}

export async function runScan(opts: RunScanOptions): Promise<{ findings: number }> {
  const scanner = createScanner(opts.scanner);
  const input = opts.file === undefined || opts.file === '-' ? opts.stdin : createReadStream(opts.file);
  if (input !== opts.stdin) {
    await new Promise<void>((resolve, reject) => {
      (input as ReturnType<typeof createReadStream>).once('open', () => resolve());
      (input as ReturnType<typeof createReadStream>).once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new SunderError('FILE_NOT_FOUND', 'Input file not found', { path: ['file'], cause: err }) : err),
      );
    });
  }
  let count = 0;
  const perKind = new Map<string, number>();
  let lines = '';
  const onFinding = (f: Finding): void => {
    count++;
    perKind.set(f.kind, (perKind.get(f.kind) ?? 0) + 1);
    if (opts.json && !opts.mask) lines += JSON.stringify({ kind: f.kind, start: f.start, end: f.end, score: f.score }) + '\n';
  };
  const stream = scanner.createStream({ onFinding, // JSON lines ride on the masked chunks so they are flushed as the stream advances (bounded memory).
    output: opts.mask || opts.json ? 'masked' : 'none', operators: opts.operators ?? { default: 'tag' } });
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      let s = opts.mask ? String(chunk) : '';
      if (lines.length > 0) {
        s = lines + s;
        lines = '';
      }
      if (s.length === 0) return cb();
      write(opts.stdout, s).then(() => cb(), cb);
    },
    final(cb) {
      const rest = lines;
      lines = '';
      if (rest.length === 0) return cb();
      write(opts.stdout, rest).then(() => cb(), cb);
    },
  });
  await pipeline(input, stream, sink);
  if (lines.length > 0) await write(opts.stdout, lines);
  if (!opts.json && !opts.mask) {
    const kinds = [...perKind.keys()].sort();
    let summary = '';
    for (const k of kinds) summary += `${k}\t${perKind.get(k)}\n`;
    summary += `total\t${count}\n`;
    await write(opts.stdout, summary);
  }
  return { findings: count };
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('find identifiers in text (a file, or - for standard input)')
    .argument('[file]', 'text file; - or nothing reads standard input')
    .addOption(new Option('--json', 'one finding per line: {"kind","start","end","score"}').conflicts('mask'))
    .option('--mask', 'print the text with every identifier masked')
    .option('--policy <file>', 'policy JSON: its detect.disable and detect.recognizers apply, as at ingest')
    .action(async (file: string | undefined, opts: { json?: boolean; mask?: boolean; policy?: string }) => {
      const scanner = opts.policy === undefined ? {} : { scanner: scannerOptionsOf(await loadPolicy(opts.policy)) };
      await runScan({ ...(file === undefined ? {} : { file }), json: opts.json === true, mask: opts.mask === true, stdin: process.stdin, stdout: process.stdout, ...scanner });
    });
}
