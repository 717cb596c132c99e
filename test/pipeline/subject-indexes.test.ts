/**
 * No subject is ever written without its blind indexes. Regression: when the record that
 * created a subject was rejected for its media while a later record of the same person in the
 * batch was stored, the subject was written with none of the identifiers the later record had
 * found it by, and the next record of that person became a second subject.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/layout.js';
import { createMediaStep } from '../../src/pipeline/media-step.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { Outcome } from '../../src/record/outcome.js';
import { tempDir } from '../helpers/tmp.js';

const record = (recordId: string, media?: { kind: string; path: string }[]) => ({
  recordId, project: 'p', collectedAt: '2024-03-01T10:00:00+08:00',
  subject: { name: '李娜', phone: '13712345678', email: 'li.na@example.com', birthDate: '1985-02-03' },
  consent: { policyVersion: 'v1', grantedAt: '2024-03-01T09:00:00+08:00', scopes: ['text', 'voice'], crossBorder: false, guardianConsent: false },
  business: { text: { note: 'hi' }, ...(media === undefined ? {} : { media }) },
});

describe('subject blind indexes', () => {
  it('are written for a new subject whose first record was rejected for its media and a later one stored', async () => {
    const dataDir = tempDir();
    const mediaRoot = tempDir();
    const ingestor = await Ingestor.open({ dataDir, workers: 0, media: createMediaStep });
    const outcomes: Outcome[] = [];
    try {
      await ingestor.ingest([record('si-1', [{ kind: 'audio', path: 'not-there.wav' }]), record('si-2')], { mediaRoot }).done((o) => outcomes.push(o));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'stored']);
      // The same person again, in a later batch: found, not made anew.
      await ingestor.ingest([record('si-3')]).done((o) => outcomes.push(o));
      expect(outcomes[2]).toMatchObject({ status: 'stored', newSubject: false });
    } finally {
      await ingestor.close();
    }
    const db = new Database(layoutOf({ dataDir }).vault, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM subjects').pluck().get()).toBe(1);
      expect(db.prepare('SELECT kind FROM blind_index ORDER BY kind').pluck().all()).toEqual(['email', 'phone']);
    } finally {
      db.close();
    }
  });
});
