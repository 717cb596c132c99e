/**
 * Street-level Chinese addresses: admin divisions + road + number (`北京市海淀区中关村大街27号`).
 * Found from the house number: a number between a road word and 号, then walked back over Han
 * characters to the province or the first division, and forward over building/unit/room.
 */
import { isHan as isHan_ } from '../chars.js';
import { ADDRESS_LEAD_INS as ADDRESS_LEAD_INS_, PROVINCE_NAMES as PROVINCE_NAMES_ } from './cues.js';

// Module-local copies of imported bindings: under tsx an imported binding is a getter call on
// every access, which the hot loop cannot afford (measured: a sixth of scan time).
const isHan = isHan_;
const ADDRESS_LEAD_INS = ADDRESS_LEAD_INS_;
const PROVINCE_RE = new RegExp(PROVINCE_NAMES_.join('|')); // plain Han names, no metacharacters

const ROAD_END = new Set(['路', '街', '道', '巷', '弄', '里', '村', '胡同']);
const DIVISION = /[省市区县镇州旗]/;
const TAIL = /(?:号楼|号院|栋|幢|座|单元|层|楼|室|[\d０-９-])*(?:号楼|栋|幢|座|单元|层|楼|室)?/y;

/** True when the house number at [ns, ne) reads as an address (`路` before, `号` after). */
export function isHouseNumber(text: string, ns: number, ne: number): boolean {
  return text.charCodeAt(ne) === 0x53f7 /* 号 */ && ns > 0 && (ROAD_END.has(text[ns - 1]!) || text.slice(ns - 2, ns) === '胡同');
}

/** The address span around a house number [ns, ne), or undefined when no division precedes it. */
export function addressAround(text: string, ns: number, ne: number): [number, number] | undefined {
  let s = ns;
  while (s > 0 && ns - s < 30 && isHan(text.charCodeAt(s - 1))) s--;
  const window = text.slice(s, ns);
  if (!DIVISION.test(window)) return undefined;
  // The earliest province name: one regex search instead of an indexOf per province.
  let start = window.search(PROVINCE_RE);
  if (start < 0) {
    start = 0;
    for (const lead of ADDRESS_LEAD_INS) {
      const k = window.lastIndexOf(lead);
      if (k >= 0 && k + lead.length > start && DIVISION.test(window.slice(k + lead.length))) start = k + lead.length;
    }
  }
  let e = ne + 1;
  TAIL.lastIndex = e;
  if (TAIL.test(text)) e = TAIL.lastIndex;
  while (e > ne + 1 && text.charCodeAt(e - 1) === 45) e--;
  return [s + start, e];
}
