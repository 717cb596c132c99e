/**
 * The subject's own identifiers as people rewrite them: each row plants one variant of a
 * subject's value in realistic text, and the variant must be masked both in the business object
 * as sealed and in the export. Rows at the end pin what must NOT be masked (over-masking).
 */
import { businessContext } from '../../src/crypto/contexts.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptObject } from '../../src/crypto/format.js';
import { X25519Identity } from '../../src/crypto/recipient.js';
import { generateX25519KeyPair } from '../../src/crypto/x25519.js';
import { exportDataset } from '../../src/export/export.js';
import { gateRecord } from '../../src/pipeline/gate.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { RecordSealer, type BusinessObject } from '../../src/pipeline/seal.js';
import type { Outcome } from '../../src/record/outcome.js';
import { DEFAULT_POLICY } from '../../src/record/policy.js';
import { collectedRecordSchema, type CollectedRecordInput } from '../../src/record/schema.js';
import { tempDir } from '../helpers/tmp.js';

const SUBJECTS = {
  zhang: { name: '张晓峰', idNumber: '11010519491231002X', phone: '13912345678', email: 'zhang.xiaofeng@example.com' },
  wang: { name: '王芳', birthDate: '1990-03-07', phone: '13800138000' },
  mary: { name: 'Mary Johnson', birthDate: '1985-06-01', email: 'mary.johnson@example.org', phone: '010-6234-5678' },
} as const;
type Who = keyof typeof SUBJECTS;

/** One variant: whose value, the text it is planted in, and what must not survive (compared case-, width- and separator-insensitively). */
interface Row {
  variant: string;
  who: Who;
  text: string;
  leak: string;
}

const ROWS: Row[] = [
  { variant: 'CN_ID exact', who: 'zhang', text: '身份证号11010519491231002X已核对。', leak: '11010519491231002X' },
  { variant: 'CN_ID 17-digit prefix', who: 'zhang', text: '证件号前17位是11010519491231002，最后一位忘了。', leak: '11010519491231002' },
  { variant: 'CN_ID 16-digit prefix', who: 'zhang', text: 'The ID starts 1101051949123100 and he forgot the rest.', leak: '1101051949123100' },
  { variant: 'CN_ID 15-digit prefix', who: 'zhang', text: '号码开头110105194912310，后面看不清。', leak: '110105194912310' },
  { variant: 'CN_ID spaced', who: 'zhang', text: '身份证：110105 19491231 002X', leak: '11010519491231002X' },
  { variant: 'CN_ID full width', who: 'zhang', text: '证件号码１１０１０５１９４９１２３１００２Ｘ', leak: '11010519491231002X' },
  { variant: 'CN_ID lower-case x', who: 'zhang', text: 'id no. 11010519491231002x on file', leak: '11010519491231002X' },
  { variant: 'PHONE +86 spaced', who: 'zhang', text: 'Call me on +86 139 1234 5678 after six.', leak: '13912345678' },
  { variant: 'PHONE +86 compact', who: 'zhang', text: '联系电话+8613912345678。', leak: '13912345678' },
  { variant: 'PHONE 0086', who: 'zhang', text: '国外请拨0086 139 1234 5678联系。', leak: '13912345678' },
  { variant: 'PHONE 86- prefix', who: 'zhang', text: 'WhatsApp 86-139-1234-5678 works too.', leak: '13912345678' },
  { variant: 'PHONE (+86)', who: 'zhang', text: '手机（+86）13912345678', leak: '13912345678' },
  { variant: 'PHONE 8-digit suffix', who: 'zhang', text: '他说手机后八位是12345678，前面是139。', leak: '12345678' },
  { variant: 'PHONE 9-digit suffix', who: 'zhang', text: 'the number ends in 912345678 I think', leak: '912345678' },
  { variant: 'PHONE full width', who: 'zhang', text: '电话１３９１２３４５６７８', leak: '13912345678' },
  { variant: 'PHONE landline local number', who: 'mary', text: 'Office line: 6234 5678 (ask for Mary).', leak: '62345678' },
  { variant: 'PHONE landline +86 without trunk 0', who: 'mary', text: 'From abroad dial +86 10 6234 5678.', leak: '62345678' },
  { variant: 'EMAIL upper case', who: 'zhang', text: '邮箱 ZHANG.XIAOFENG@EXAMPLE.COM 可用。', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL local part alone', who: 'zhang', text: '我的邮箱用户名是zhang.xiaofeng，域名同公司。', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL x at y dot z', who: 'zhang', text: 'write to zhang.xiaofeng at example dot com please', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL [at] [dot]', who: 'zhang', text: 'mail: zhang.xiaofeng [at] example [dot] com', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL (at)', who: 'zhang', text: '邮件发到zhang.xiaofeng(at)example.com即可', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL dots spelled', who: 'zhang', text: 'zhang dot xiaofeng at example dot com', leak: 'xiaofeng' },
  { variant: 'EMAIL full width', who: 'zhang', text: '邮箱ｚｈａｎｇ．ｘｉａｏｆｅｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ', leak: 'zhang.xiaofeng' },
  { variant: 'EMAIL Latin local part alone', who: 'mary', text: 'Her login is mary.johnson on every site.', leak: 'mary.johnson' },
  { variant: 'NAME given name alone (Han)', who: 'zhang', text: '晓峰今天没来上班，请假了。', leak: '晓峰' },
  { variant: 'NAME surname and title (Han)', who: 'zhang', text: '张先生说他明天再来。', leak: '张先' },
  { variant: 'NAME 老 + surname', who: 'zhang', text: '老张说他明天再来。', leak: '老张' },
  { variant: 'NAME spaced Han', who: 'zhang', text: '签名：张 晓 峰', leak: '张晓峰' },
  { variant: 'NAME pinyin given name alone', who: 'zhang', text: 'Xiaofeng called back at noon.', leak: 'xiaofeng' },
  { variant: 'NAME pinyin with tones', who: 'zhang', text: '拼音：Zhāng Xiǎofēng', leak: 'xiǎofēng' },
  { variant: 'NAME pinyin given name with tones', who: 'zhang', text: 'Xiǎofēng is on leave.', leak: 'xiǎofēng' },
  { variant: 'NAME pinyin syllables spaced', who: 'zhang', text: 'Name on the ticket: Xiao Feng Zhang', leak: 'xiaofeng' },
  { variant: 'NAME Mr + pinyin surname', who: 'zhang', text: 'Please ask Mr. Zhang to sign.', leak: 'zhang' },
  { variant: 'NAME pinyin full width', who: 'zhang', text: 'ＺＨＡＮＧ　ＸＩＡＯＦＥＮＧ', leak: 'xiaofeng' },
  { variant: 'NAME single-char given name in a nickname', who: 'wang', text: '阿芳昨天打电话来了。', leak: '阿芳' },
  { variant: 'NAME single-char given name + 姐', who: 'wang', text: '芳姐说货已经到了。', leak: '芳姐' },
  { variant: 'NAME 小 + surname', who: 'wang', text: '小王负责这个项目。', leak: '小王' },
  { variant: 'NAME pinyin of a two-character name', who: 'wang', text: 'Contact: Wang Fang, sales.', leak: 'wangfang' },
  { variant: 'NAME Latin surname alone', who: 'mary', text: 'Johnson called about the invoice.', leak: 'johnson' },
  { variant: 'NAME Latin given name alone', who: 'mary', text: 'Mary will bring the samples.', leak: 'mary' },
  { variant: 'NAME Latin reversed with comma', who: 'mary', text: 'JOHNSON, MARY (signed)', leak: 'johnson' },
];

/** Text that holds common characters of the subjects' names and must come through unchanged. */
const UNTOUCHED: { who: Who; text: string }[] = [
  { who: 'wang', text: '芬芳的花园里，国王讲了一个王国的故事。' },
  { who: 'wang', text: '芳香四溢，王者归来。' },
  { who: 'zhang', text: '他张开手，说主张要一张纸。' },
  { who: 'zhang', text: 'The fengshui of the zhangjiajie trip was fine.' },
  { who: 'mary', text: 'Maryland and Johnsonville are places; summary, primary.' },
  { who: 'zhang', text: 'Order 20240512, 3 items, total 1234.50 CNY.' },
  // The phone's 8-digit suffix inside a longer number that is not the phone.
  { who: 'zhang', text: '快递单号5512345678，已签收。' },
  { who: 'zhang', text: 'Invoice 7712345678 paid; ref 11010519491 ok.' },
];

/** Case-, width- and separator-insensitive form for the leak check. */
const fold = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/[\s\-.·()（）[\]_,]/g, '');

function recordOf(id: string, who: Who, text: string, row: number): CollectedRecordInput {
  return {
    recordId: id,
    project: 'variants',
    collectedAt: '2024-05-01T08:00:00Z',
    subject: { ...SUBJECTS[who] },
    consent: { policyVersion: 'v1', grantedAt: '2024-04-01T00:00:00Z', scopes: ['text'] },
    business: { attributes: { row }, text: { note: text } },
  };
}

const records = [...ROWS.map((r, i) => recordOf(`v${i}`, r.who, r.text, i)), ...UNTOUCHED.map((u, i) => recordOf(`u${i}`, u.who, u.text, ROWS.length + i))];

/** Seals each record as the pipeline does and decrypts the business object back. */
function sealedTexts(): string[] {
  const sealer = new RecordSealer({ indexKey: new Uint8Array(32).fill(3), policy: DEFAULT_POLICY });
  return records.map((input, i) => {
    const g = gateRecord(collectedRecordSchema.parse(input), DEFAULT_POLICY);
    if (!g.ok) throw new Error(`record ${i} rejected: ${g.rejection.code} ${g.rejection.path}`);
    const pair = generateX25519KeyPair();
    const identity = generateX25519KeyPair();
    const r = sealer.seal({ gated: g.gated, subjectId: `s${i}`, keyId: `k${i}`, pseudonym: `p_${i}`, secretKey: pair.secretKey, identitySecretKey: identity.secretKey, media: [] });
    const plain = decryptObject(new X25519Identity(pair.secretKey), r.sealed, { context: businessContext(2, `p_${i}`, g.gated.record.project, g.gated.record.recordId) });
    return (JSON.parse(Buffer.from(plain).toString('utf8')) as BusinessObject).text.note!;
  });
}

describe('variants of the subject\'s own values', () => {
  let sealed: string[] = [];
  const exported = new Map<number, string>();
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    sealed = sealedTexts();
    const dataDir = tempDir();
    const out = join(tempDir(), 'export');
    const ingestor = await Ingestor.open({ dataDir });
    try {
      await ingestor.ingest(records).done((o) => outcomes.push(o));
    } finally {
      await ingestor.close();
    }
    await exportDataset({ dataDir, out });
    for (const line of readFileSync(join(out, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean)) {
      const l = JSON.parse(line) as { attributes: { row: number }; text: { note: string } };
      exported.set(l.attributes.row, l.text.note);
    }
  });

  it('stores and exports every record', () => {
    expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(records.length);
    expect(exported.size).toBe(records.length);
  });

  it.each(ROWS.map((r, i) => [r.variant, i] as const))('%s: masked in the sealed object and in the export', (_v, i) => {
    const row = ROWS[i]!;
    for (const out of [sealed[i]!, exported.get(i)!]) {
      expect(out).not.toBe(row.text);
      expect(fold(out)).not.toContain(fold(row.leak));
    }
  });

  it.each(UNTOUCHED.map((u, i) => [u.text, i] as const))('leaves ordinary text alone: %s', (text, i) => {
    expect(sealed[ROWS.length + i]).toBe(text);
    expect(exported.get(ROWS.length + i)).toBe(text);
  });
});
