/** Tables of valid and invalid examples per recognizer, through the whole scanner. */
import { describe, expect, it } from 'vitest';
import { createScanner } from '../../src/detect/index.js';

const scanner = createScanner();
/** The spans (as text) and kinds found. */
const found = (t: string): string[] => scanner.scan(t, { documentDate: '2025-06-01' }).map((f) => `${f.kind}:${t.slice(f.start, f.end)}`);

const VALID: [string, string[]][] = [
  ['身份证11010519491231002X号', ['CN_ID:11010519491231002X']],
  ['ID 110105 19491231 002x', ['CN_ID:110105 19491231 002x']],
  ['证件 110105-19491231-002X，', ['CN_ID:110105-19491231-002X']],
  ['号码１１０１０５１９４９１２３１００２Ｘ', ['CN_ID:１１０１０５１９４９１２３１００２Ｘ']],
  ['老身份证110105491231002', ['CN_ID:110105491231002']],
  ['手机13800138000', ['PHONE:13800138000']],
  ['call +86 138 0013 8000 now', ['PHONE:+86 138 0013 8000']],
  ['008613800138000', ['PHONE:008613800138000']],
  ['(+86) 138.0013.8000', ['PHONE:(+86) 138.0013.8000']],
  ['手机13800138000 5月', ['PHONE:13800138000']],
  ['座机010-62660053', ['PHONE:010-62660053']],
  ['电话 (0755) 8888 6666', ['PHONE:(0755) 8888 6666']],
  ['分机 021-68881234-8012', ['PHONE:021-68881234-8012']],
  ['座机 0086 10 6266 0053 找我', ['PHONE:0086 10 6266 0053']],
  ['座机 +86 755 8888 6666', ['PHONE:+86 755 8888 6666']],
  ['邮箱john@example.com，好', ['EMAIL:john@example.com']],
  ['mail josé.garcía@example.es.', ['EMAIL:josé.garcía@example.es']],
  ['卡号6222021234567890128', ['BANK_CARD:6222021234567890128']],
  ['card 4111 1111 1111 1111', ['BANK_CARD:4111 1111 1111 1111']],
  // 15 digits that read both as an Amex card (Luhn) and as a legacy Anhui ID: fours make it a card,
  // the ID grouping 6-6-3 keeps it an ID.
  ['转账到3463 2520 0506 032，', ['BANK_CARD:3463 2520 0506 032']],
  ['老身份证 340104 620122 001', ['CN_ID:340104 620122 001']],
  ['IBAN GB82 WEST 1234 5698 7654 32', ['IBAN:GB82 WEST 1234 5698 7654 32']],
  ['护照E12345678', ['PASSPORT:E12345678']],
  ['护照EA1234567', ['PASSPORT:EA1234567']],
  ['回乡证H12345678', ['PASSPORT:H12345678']],
  ['台胞证 12345678', ['PASSPORT:12345678']],
  ['HKID A123456(3)', ['HK_ID:A123456(3)']],
  ['TW A123456789', ['TW_ID:A123456789']],
  ['车牌京A·12345', ['PLATE:京A·12345']],
  ['新能源粤B·D12345', ['PLATE:粤B·D12345']],
  ['QQ：123456789', ['QQ:123456789']],
  ['微信：zhang_san88', ['WECHAT:zhang_san88']],
  ['我叫王小明，', ['NAME:王小明']],
  ['联系人欧阳娜娜女士', ['NAME:欧阳娜娜']],
  ['My name is John Smith.', ['NAME:John Smith']],
  // Honorifics: the name before 先生/女士/小姐 (read backwards), after Mr/Mrs/Ms/Dr.
  ['请转告王芳女士明天来', ['NAME:王芳']],
  ['王小明先生您好', ['NAME:王小明']],
  ['张先生您好', ['NAME:张']],
  ['王林先生', ['NAME:王林']], // a given name that is also a surname still goes with its surname
  ['请联系诸葛亮先生', ['NAME:诸葛亮']],
  ['谢谢李先生', ['NAME:李']],
  ['谢谢谢娜女士', ['NAME:谢娜']],
  ['谢谢谢先生', ['NAME:谢']],
  ['感谢王芳女士的帮助', ['NAME:王芳']],
  ['祝贺陈小姐', ['NAME:陈']],
  ['Dear Mr. Zhang Wei, thanks', ['NAME:Zhang Wei']],
  ['Dr Smith called', ['NAME:Smith']],
  ['cc Mrs. Li', ['NAME:Li']],
  ['地址：北京市海淀区中关村大街27号3单元', ['ADDRESS:北京市海淀区中关村大街27号3单元']],
  ['MAC 00:1A:2B:3C:4D:5E', ['MAC:00:1A:2B:3C:4D:5E']],
  // A prefix length belongs to the address, IPv4 and IPv6 alike; one out of range does not.
  ['网段 10.20.0.0/16 内', ['IP:10.20.0.0/16']],
  ['prefix 2001:db8:85a3::/48 routed', ['IP:2001:db8:85a3::/48']],
  ['host fe80::1ff:fe23:4567:890a/64.', ['IP:fe80::1ff:fe23:4567:890a/64']],
  ['bad 2001:db8::1/129 here', ['IP:2001:db8::1']],
  ['身份证号 11010519491231002Y'.replace('Y', '1'), ['CN_ID_PROBABLE:110105194912310021']],
];

const INVALID: string[] = [
  // Honorifics with no surname before them stay as they are.
  '我先生今天不在家',
  '这位女士和各位先生',
  '大小姐',
  '首先生成报告',
  '原先生活在北京',
  'I Miss You',
  'MS Office and Mr. and Mrs',
  '订单号202403151234567890', // 18 digits, no province 20
  '订单 2024031512345678', // Luhn or not: no card scheme starts 20
  '时间 2024-03-15 12:30:45',
  '金额 ¥12,345.67',
  '运单 SF1234567890123',
  '运单 YT2702450890537',
  '编号 12345678901', // 11 digits, no mobile prefix
  '客服 400-810-8888',
  '版本 v1.2.3',
  '毫秒 1710000000123',
  '身份证号 110105 2099 1231 0021'.replace(/ /g, ''), // born after the document date
  'Eat 12345678 apples',
  '京AB 是简称',
  '比分 12:30',
];

describe('recognizers: valid', () => {
  it.each(VALID)('%s', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
});

describe('recognizers: invalid (look-alikes stay intact)', () => {
  it.each(INVALID)('%s', (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('options', () => {
  it('turns built-ins off by kind', () => {
    const s = createScanner({ disable: ['EMAIL', 'PHONE'] });
    expect(s.scan('john@example.com 13800138000')).toEqual([]);
  });
  it('reports a probable ID only when asked', () => {
    const s = createScanner({ probableIdAsId: false });
    expect(s.scan('110105194912310021')).toEqual([]);
  });
  it('runs custom recognizers with validation, and resolves overlaps with built-ins', () => {
    const s = createScanner({
      recognizers: [
        { kind: 'EMPLOYEE_ID', pattern: /EMP-\d{6}/, score: 0.8, validate: (v) => v !== 'EMP-000000' },
        { kind: 'TICKET', find: (t) => (t.includes('T#9') ? [{ start: t.indexOf('T#9'), end: t.indexOf('T#9') + 3 }] : []) },
      ],
    });
    const t = '工号EMP-123456 和 EMP-000000，T#9';
    expect(s.scan(t).map((f) => `${f.kind}:${t.slice(f.start, f.end)}`)).toEqual(['EMPLOYEE_ID:EMP-123456', 'TICKET:T#9']);
  });
  it('keeps the outer findings when a custom recognizer scans again with the same scanner', () => {
    // The scanner reuses its candidate list across calls; a nested call must not clear the outer one.
    const s: ReturnType<typeof createScanner> = createScanner({
      recognizers: [{ kind: 'NESTED', find: (t) => (t.length > 3 ? s.scan(t.slice(0, 3)) : []).concat([{ kind: 'NESTED', start: 0, end: 2, score: 0.5 }]) }],
    });
    const t = '手机13800138000，邮箱john@example.com';
    expect(s.scan(t).map((f) => `${f.kind}:${t.slice(f.start, f.end)}`)).toEqual(['NESTED:手机', 'PHONE:13800138000', 'EMAIL:john@example.com']);
  });
});
