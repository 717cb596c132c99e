/** Small stores with chosen subjects for the export selection tests: real ingest, real vault. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cnIdCheckChar } from '../../src/id/cn-id.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { PolicyInput } from '../../src/record/policy.js';

export interface SubjectSpec {
  /** Region code prefix: 110101 Beijing, 310101 Shanghai, 440101 Guangdong, 510101 Sichuan. */
  region: string;
  birthDate: string;
  gender: 'male' | 'female';
  crossBorder?: boolean;
  scopes?: string[];
  records?: number;
  project?: string;
  text?: string;
  withdrawn?: boolean;
}

/** A valid resident ID for subject number `n`: region, birth date, a sequence whose parity is the gender. */
export function idNumber(spec: SubjectSpec, n: number): string {
  const seq = (n % 499) * 2 + (spec.gender === 'male' ? 1 : 0);
  const first17 = spec.region + spec.birthDate.replaceAll('-', '') + String(seq).padStart(3, '0');
  return first17 + cnIdCheckChar(first17);
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];

export function recordsOf(specs: SubjectSpec[], first = 0, tag = 'a'): string[] {
  const lines: string[] = [];
  specs.forEach((s, i) => {
    const n = first + i;
    for (let r = 0; r < (s.records ?? 1); r++) {
      lines.push(JSON.stringify({
        recordId: `rec-${tag}-${n}-${r}`,
        project: s.project ?? 'speech',
        collectedAt: `2024-03-${String(1 + (r % 27)).padStart(2, '0')}T10:00:00Z`,
        subject: { name: SURNAMES[n % 10]! + GIVEN[Math.floor(n / 10) % 15]! + GIVEN[n % 15]!, gender: s.gender, birthDate: s.birthDate, idNumber: idNumber(s, n) },
        consent: {
          policyVersion: '2024-01', grantedAt: '2024-03-01T09:00:00Z', scopes: s.scopes ?? ['voice', 'text'],
          crossBorder: s.crossBorder ?? false, guardianConsent: false,
          ...(s.withdrawn === true ? { withdrawnAt: '2024-04-01T09:00:00Z' } : {}),
        },
        business: { attributes: { dialect: 'Wu', take: r }, text: { note: s.text ?? `录音第${r + 1}段，环境安静。` } },
      }));
    }
  });
  return lines;
}

export async function ingestLines(dataDir: string, lines: string[], policy?: PolicyInput): Promise<void> {
  // Beside the data folder, not in it: ingest refuses a folder that holds other files.
  const dir = mkdtempSync(join(tmpdir(), 'sunder-in-'));
  const file = join(dir, 'records.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const ingestor = await Ingestor.open({ dataDir, ...(policy === undefined ? {} : { policy }) });
  try {
    await ingestor.ingestFile(file).done();
  } finally {
    await ingestor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
