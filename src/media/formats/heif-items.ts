import { malformed, unsupported } from '../fail.js';
import { boxesIn, type Box } from './isobmff-box.js';

/**
 * The item structures of a HEIF/AVIF `meta` box (ISO/IEC 23008-12), parsed from a buffer holding
 * the whole box. Every entry keeps its byte span, so the rewriter can copy kept entries verbatim
 * and the verifier can re-read them with the same code.
 */
export interface Item {
  id: number;
  /** Four-character item type (`hvc1`, `av01`, `grid`, `Exif`, `mime`...); `mime` for old (v0/v1) entries. */
  type: string;
  infe: Box;
  /** Where the item name starts in `infe`, and where the box ends: the free-text part. */
  nameAt: number;
}

export interface Extent { offset: number; length: number }

export interface Location {
  id: number;
  method: number;
  dataRef: number;
  extents: Extent[];
  /** byte span of the entry inside iloc */
  start: number;
  end: number;
}

export interface Association { id: number; props: number[]; start: number; end: number }

export interface MetaParts {
  children: Box[];
  items: Item[];
  locs: Location[];
  /** iloc's fixed head (fullbox, field sizes, count) and where its count sits */
  ilocHead: { start: number; end: number; countWidth: 2 | 4 };
  assocs: { ipma: Box; headEnd: number; entries: Association[] }[];
  ipco?: Box;
  primary: number;
}

const u = (buf: Buffer, at: number, n: number): number => {
  if (n === 0) return 0;
  if (n === 1) return buf[at]!;
  if (n === 2) return buf.readUInt16BE(at);
  if (n === 4) return buf.readUInt32BE(at);
  if (n === 8) return Number(buf.readBigUInt64BE(at));
  throw new RangeError('field width');
};

export function parseMeta(buf: Buffer, meta: Box, fmt: string): MetaParts {
  const children = [...boxesIn(buf, meta.body + 4, meta.end, fmt)];
  const one = (t: string): Box | undefined => {
    const all = children.filter((c) => c.type === t);
    if (all.length > 1) throw malformed(fmt, `more than one ${t} box`);
    return all[0];
  };
  const pitm = one('pitm');
  const iinf = one('iinf');
  const iloc = one('iloc');
  if (pitm === undefined || iinf === undefined || iloc === undefined) throw malformed(fmt, 'meta lacks pitm, iinf or iloc');
  need(pitm, 6, fmt);
  const primary = buf[pitm.body] === 0 ? buf.readUInt16BE(pitm.body + 4) : buf.readUInt32BE(pitm.body + 4);
  const items = parseIinf(buf, iinf, fmt);
  const { locs, head } = parseIloc(buf, iloc, fmt);
  const iprp = one('iprp');
  const ipco = iprp && [...boxesIn(buf, iprp.body, iprp.end, fmt)].find((b) => b.type === 'ipco');
  const assocs = iprp ? [...boxesIn(buf, iprp.body, iprp.end, fmt)].filter((b) => b.type === 'ipma').map((b) => parseIpma(buf, b, fmt)) : [];
  return { children, items, locs, ilocHead: head, assocs, ...(ipco ? { ipco } : {}), primary };
}

function need(b: Box, n: number, fmt: string): void {
  if (b.end - b.body < n) throw malformed(fmt, `${b.type} is too short`);
}

function parseIinf(buf: Buffer, iinf: Box, fmt: string): Item[] {
  need(iinf, 6, fmt);
  const v = buf[iinf.body]!;
  const count = v === 0 ? buf.readUInt16BE(iinf.body + 4) : buf.readUInt32BE(iinf.body + 4);
  const from = iinf.body + (v === 0 ? 6 : 8);
  const items: Item[] = [];
  for (const e of boxesIn(buf, from, iinf.end, fmt)) {
    if (e.type !== 'infe') throw malformed(fmt, 'iinf holds a box that is not infe');
    need(e, 8, fmt);
    const ev = buf[e.body]!;
    if (ev >= 2) {
      const idw = ev === 2 ? 2 : 4;
      need(e, 4 + idw + 2 + 4, fmt);
      const id = u(buf, e.body + 4, idw);
      const type = buf.toString('latin1', e.body + 4 + idw + 2, e.body + 4 + idw + 6);
      items.push({ id, type, infe: e, nameAt: e.body + 4 + idw + 6 });
    } else {
      // Version 0/1 entries name a MIME type and carry no item type: never an image item.
      items.push({ id: buf.readUInt16BE(e.body + 4), type: 'mime', infe: e, nameAt: e.body + 8 });
    }
  }
  if (items.length !== count) throw malformed(fmt, 'iinf entry count does not match its entries');
  if (new Set(items.map((i) => i.id)).size !== items.length) throw malformed(fmt, 'two items share an id');
  return items;
}

function parseIloc(buf: Buffer, iloc: Box, fmt: string): { locs: Location[]; head: MetaParts['ilocHead'] } {
  need(iloc, 8, fmt);
  const v = buf[iloc.body]!;
  if (v > 2) throw unsupported(fmt, 'an iloc version this rewriter does not know');
  const offSize = buf[iloc.body + 4]! >> 4;
  const lenSize = buf[iloc.body + 4]! & 15;
  const baseSize = buf[iloc.body + 5]! >> 4;
  const idxSize = v >= 1 ? buf[iloc.body + 5]! & 15 : 0;
  for (const s of [offSize, lenSize, baseSize, idxSize]) if (![0, 4, 8].includes(s)) throw malformed(fmt, 'an iloc field size that is not 0, 4 or 8');
  const countWidth = v < 2 ? 2 : 4;
  const count = u(buf, iloc.body + 6, countWidth);
  let at = iloc.body + 6 + countWidth;
  const head = { start: iloc.body, end: at, countWidth } as const;
  const locs: Location[] = [];
  const take = (n: number): number => {
    if (at + n > iloc.end) throw malformed(fmt, 'iloc is shorter than its entries');
    const x = u(buf, at, n);
    at += n;
    return x;
  };
  for (let i = 0; i < count; i++) {
    const start = at;
    const id = take(v < 2 ? 2 : 4);
    const method = v >= 1 ? take(2) & 15 : 0;
    const dataRef = take(2);
    const base = take(baseSize);
    const n = take(2);
    const extents: Extent[] = [];
    for (let k = 0; k < n; k++) {
      take(idxSize);
      const offset = take(offSize);
      const length = take(lenSize);
      extents.push({ offset: base + offset, length });
    }
    locs.push({ id, method, dataRef, extents, start, end: at });
  }
  return { locs, head };
}

function parseIpma(buf: Buffer, ipma: Box, fmt: string): MetaParts['assocs'][number] {
  need(ipma, 8, fmt);
  const v = buf[ipma.body]!;
  const wide = (buf[ipma.body + 3]! & 1) === 1;
  const count = buf.readUInt32BE(ipma.body + 4);
  let at = ipma.body + 8;
  const entries: Association[] = [];
  for (let i = 0; i < count; i++) {
    const start = at;
    const idw = v < 1 ? 2 : 4;
    if (at + idw + 1 > ipma.end) throw malformed(fmt, 'ipma is shorter than its entries');
    const id = u(buf, at, idw);
    const n = buf[at + idw]!;
    at += idw + 1;
    if (at + n * (wide ? 2 : 1) > ipma.end) throw malformed(fmt, 'ipma is shorter than its entries');
    const props: number[] = [];
    for (let k = 0; k < n; k++) {
      props.push(wide ? buf.readUInt16BE(at) & 0x7fff : buf[at]! & 0x7f);
      at += wide ? 2 : 1;
    }
    entries.push({ id, props, start, end: at });
  }
  return { ipma, headEnd: ipma.body + 8, entries };
}

/** The references of an iref box: one child box per (type, from item), pointing at several items. */
export interface Reference { box: Box; type: string; from: number; to: number[]; idWidth: 2 | 4 }

export function parseIref(buf: Buffer, iref: Box, fmt: string): Reference[] {
  need(iref, 4, fmt);
  const w = buf[iref.body] === 0 ? 2 : 4;
  const out: Reference[] = [];
  for (const r of boxesIn(buf, iref.body + 4, iref.end, fmt)) {
    if (r.end - r.body < w + 2) throw malformed(fmt, 'an item reference is too short');
    const from = u(buf, r.body, w);
    const n = buf.readUInt16BE(r.body + w);
    if (r.body + w + 2 + n * w > r.end) throw malformed(fmt, 'an item reference is shorter than its count');
    const to: number[] = [];
    for (let k = 0; k < n; k++) to.push(u(buf, r.body + w + 2 + k * w, w));
    out.push({ box: r, type: r.type, from, to, idWidth: w });
  }
  return out;
}
