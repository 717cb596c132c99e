/**
 * Strip again: the export re-scans every text field and attribute with its own policy's
 * detectors. Ingest here runs with the email recognizer off, so the stored text still holds an
 * email address; the export (default policy) finds and masks it, and counts it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/export.js';
import { tempDir } from '../helpers/tmp.js';
import { ingestLines, recordsOf } from './fixture.js';

describe('re-scan on the way out', () => {
  it('masks what the ingest policy let through, and counts it by kind', async () => {
    const dataDir = tempDir();
    const email = 'zhang.wei.1990@example.cn';
    await ingestLines(dataDir, recordsOf([{ region: '110101', birthDate: '1990-05-01', gender: 'female', text: `请发到 ${email} 谢谢` }]),
      { detect: { disable: ['EMAIL'], recognizers: [] } });
    const kept = join(tempDir(), 'kept');
    // The same weak policy at export: nothing new is found, the address goes out (the control).
    const weak = await exportDataset({ dataDir, out: kept, policy: { detect: { disable: ['EMAIL'], recognizers: [] } } });
    expect(readFileSync(join(kept, 'manifest.jsonl'), 'utf8')).toContain(email);
    expect(weak.rescanned.EMAIL ?? 0).toBe(0);
    const out = join(tempDir(), 'out');
    const s = await exportDataset({ dataDir, out });
    const manifest = readFileSync(join(out, 'manifest.jsonl'), 'utf8');
    expect(manifest).not.toContain(email);
    expect(manifest).toContain('[EMAIL]');
    expect(s.rescanned.EMAIL).toBe(1);
  });
});
