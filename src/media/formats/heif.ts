import { malformed, unsupported, verifyFailed, verifying } from '../fail.js';
import type { ByteSource } from '../source.js';
import type { Plan, Segment } from '../types.js';
import { boxesIn, freeHeader, freeInPlace, topLevelBoxes, type Box } from './isobmff-box.js';
import { HANDLER_NAME_AT, PADDING } from './isobmff-rules.js';
import { mergeRanges } from './isobmff-tables.js';
import { parseIref, parseMeta, type MetaParts } from './heif-items.js';

/**
 * HEIC and AVIF stills (ISO/IEC 23008-12 items), rewritten in place: the file keeps its size and
 * every offset. Kept: the coded image items (HEVC and AV1 images, grids, overlays, derived
 * identity items: the primary image, its tiles, thumbnails, alpha and depth planes) and the
 * properties a decoder needs. Dropped: Exif and `mime` items (XMP), `uri ` items and every item
 * type we do not know, with their iinf, iloc, iref and ipma entries; the `meta` box is rebuilt
 * without them and closed with a `free` box of the bytes saved. The dropped items' data, and
 * every byte of `mdat` or `idat` that no kept item reads, become zeros.
 */
const IMAGE_ITEMS = new Set(['hvc1', 'hev1', 'av01', 'grid', 'iovl', 'iden']);
/** Item properties that describe how to decode and show pixels; any other becomes a zeroed `free` (indices do not move). */
const PROPERTIES = new Set(['hvcC', 'av1C', 'ispe', 'pixi', 'colr', 'irot', 'imir', 'clap', 'pasp', 'auxC', 'rloc', 'lsel', 'a1op', 'a1lx', 'clli', 'mdcv']);
const META_KEEP = new Set(['hdlr', 'pitm', 'iloc', 'iinf', 'iref', 'iprp', 'idat', 'dinf']);
const TOP = new Set(['ftyp', 'meta', 'mdat', ...PADDING]);
/** meta is held in memory (it is a few KiB: the coded pixels live in mdat). */
const MAX_META = 64 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);

interface Kept {
  /** [start, end) pairs of file bytes kept items read, merged */
  file: number[];
  /** [start, end) pairs inside idat's payload */
  idat: number[];
}

async function readMeta(src: ByteSource, fmt: string): Promise<{ top: Box[]; meta: Buffer; metaBox: Box; mb: Box }> {
  const top = await topLevelBoxes(src, fmt);
  if (top.some((b) => b.type === 'moov')) throw unsupported(fmt, 'image sequences (a moov with tracks) are not supported');
  const metas = top.filter((b) => b.type === 'meta');
  if (metas.length !== 1) throw malformed(fmt, metas.length === 0 ? 'no meta box' : 'more than one meta box');
  const mb = metas[0]!;
  if (mb.end - mb.start > MAX_META) throw unsupported(fmt, 'a meta box larger than 64 MiB');
  const meta = Buffer.from(await src.read(mb.start, mb.end - mb.start));
  return { top, meta, mb, metaBox: { type: 'meta', start: 0, body: mb.body - mb.start, end: meta.length } };
}

/** What the kept items read, refusing what this rewriter cannot follow without guessing. */
function keptRanges(parts: MetaParts, keep: ReadonlySet<number>, fmt: string): Kept {
  const file: number[] = [];
  const idat: number[] = [];
  for (const l of parts.locs) {
    if (!keep.has(l.id)) continue;
    if (l.dataRef !== 0) throw unsupported(fmt, 'an image item whose data lives in another file');
    if (l.method === 2) throw unsupported(fmt, 'an image item built from another item\'s data');
    if (l.method !== 0 && l.method !== 1) throw malformed(fmt, 'an unknown iloc construction method');
    for (const e of l.extents) {
      if (e.length === 0) throw unsupported(fmt, 'an item extent that runs to the end of the file');
      (l.method === 0 ? file : idat).push(e.offset, e.offset + e.length);
    }
  }
  return { file: mergeRanges(file), idat: mergeRanges(idat) };
}

function checkDref(buf: Buffer, dinf: Box, fmt: string, scrub: boolean): void {
  for (const dref of boxesIn(buf, dinf.body, dinf.end, fmt)) {
    if (dref.type !== 'dref') continue;
    for (const e of boxesIn(buf, dref.body + 8, dref.end, fmt)) {
      if (e.end - e.body < 4 || (buf[e.body + 3]! & 1) === 0) throw unsupported(fmt, 'a data reference to another file');
      if (scrub) buf.fill(0, e.body + 4, e.end);
      else if (!isZero(buf.subarray(e.body + 4, e.end))) throw verifyFailed(fmt, 'a data reference location');
    }
  }
}

function box(type: string, parts: Buffer[]): Buffer {
  const len = 8 + parts.reduce((n, p) => n + p.length, 0);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(len, 0);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, ...parts]);
}

function writeCount(b: Buffer, at: number, width: 2 | 4, n: number): void {
  if (width === 2) b.writeUInt16BE(n, at);
  else b.writeUInt32BE(n, at);
}

export async function planHeif(src: ByteSource, fmt: string): Promise<Plan> {
  const { top, meta, mb, metaBox } = await readMeta(src, fmt);
  const parts = parseMeta(meta, metaBox, fmt);
  const keep = new Set(parts.items.filter((i) => IMAGE_ITEMS.has(i.type)).map((i) => i.id));
  if (!keep.has(parts.primary)) throw unsupported(fmt, 'a primary item that is not a coded image');
  const kept = keptRanges(parts, keep, fmt);
  const out: Buffer[] = [Buffer.from(meta.subarray(0, metaBox.body + 4))];
  for (const c of parts.children) {
    const raw = (): Buffer => Buffer.from(meta.subarray(c.start, c.end));
    if (c.type === 'hdlr') {
      const h = raw();
      h.fill(0, Math.min(c.body - c.start + HANDLER_NAME_AT, h.length));
      out.push(h);
    } else if (c.type === 'pitm') out.push(raw());
    else if (c.type === 'dinf') {
      const d = raw();
      checkDref(d, { ...c, start: 0, body: c.body - c.start, end: c.end - c.start }, fmt, true);
      out.push(d);
    } else if (c.type === 'iloc') {
      const head = Buffer.from(meta.subarray(parts.ilocHead.start, parts.ilocHead.end));
      const locs = parts.locs.filter((l) => keep.has(l.id));
      writeCount(head, head.length - parts.ilocHead.countWidth, parts.ilocHead.countWidth, locs.length);
      out.push(box('iloc', [head, ...locs.map((l) => meta.subarray(l.start, l.end))]));
    } else if (c.type === 'iinf') {
      const v = meta[c.body]!;
      const head = Buffer.from(meta.subarray(c.body, c.body + (v === 0 ? 6 : 8)));
      const items = parts.items.filter((i) => keep.has(i.id));
      writeCount(head, 4, v === 0 ? 2 : 4, items.length);
      // Item names are free text (a tool's or person's label): blanked, the box keeps its size.
      out.push(box('iinf', [head, ...items.map((i) => Buffer.from(meta.subarray(i.infe.start, i.infe.end)).fill(0, i.nameAt - i.infe.start))]));
    } else if (c.type === 'iref') {
      const refs = parseIref(meta, c, fmt).flatMap((r) => {
        const to = r.to.filter((id) => keep.has(id));
        if (!keep.has(r.from) || to.length === 0) return [];
        const b = Buffer.alloc(r.idWidth + 2 + to.length * r.idWidth);
        writeCount(b, 0, r.idWidth, r.from);
        b.writeUInt16BE(to.length, r.idWidth);
        to.forEach((id, k) => writeCount(b, r.idWidth + 2 + k * r.idWidth, r.idWidth, id));
        return [box(r.type, [b])];
      });
      if (refs.length > 0) out.push(box('iref', [Buffer.from(meta.subarray(c.body, c.body + 4)), ...refs]));
    } else if (c.type === 'iprp') {
      const inner: Buffer[] = [];
      if (parts.ipco) {
        const ipco = Buffer.from(meta.subarray(parts.ipco.start, parts.ipco.end));
        const local = { ...parts.ipco, start: 0, body: parts.ipco.body - parts.ipco.start, end: ipco.length };
        for (const p of boxesIn(ipco, local.body, local.end, fmt)) if (!PROPERTIES.has(p.type)) freeInPlace(ipco, p);
        inner.push(ipco);
      }
      for (const a of parts.assocs) {
        const head = Buffer.from(meta.subarray(a.ipma.body, a.headEnd));
        const entries = a.entries.filter((e) => keep.has(e.id));
        head.writeUInt32BE(entries.length, 4);
        inner.push(box('ipma', [head, ...entries.map((e) => meta.subarray(e.start, e.end))]));
      }
      out.push(box('iprp', inner));
    } else if (c.type === 'idat') {
      const d = Buffer.alloc(c.end - c.start);
      meta.copy(d, 0, c.start, c.body);
      for (let i = 0; i < kept.idat.length; i += 2) {
        const s = c.body + kept.idat[i]!;
        const e = c.body + kept.idat[i + 1]!;
        if (e > c.end) throw malformed(fmt, 'an item extent runs past idat');
        meta.copy(d, s - c.start, s, e);
      }
      out.push(d);
    }
    // Any other child (grpl, a vendor's box) is dropped.
  }
  let body = Buffer.concat(out);
  const left = meta.length - body.length;
  if (left < 0) throw malformed(fmt, 'meta grew while it was rebuilt');
  if (left > 0 && left < 8) throw unsupported(fmt, 'dropped entries that leave less room than a free box');
  if (left > 0) body = Buffer.concat([body, box('free', [Buffer.alloc(left - 8)])]);
  const mdats = top.filter((b) => b.type === 'mdat');
  for (let i = 0; i < kept.file.length; i += 2) {
    if (!mdats.some((m) => kept.file[i]! >= m.body && kept.file[i + 1]! <= m.end)) throw unsupported(fmt, 'image data outside an mdat box');
  }
  const segs: Segment[] = [];
  for (const b of top) {
    if (b === mb) segs.push(body);
    else if (b.type === 'ftyp') segs.push({ start: b.start, end: b.end });
    else if (b.type === 'mdat') {
      segs.push({ start: b.start, end: b.body });
      let at = b.body;
      for (let i = 0; i < kept.file.length; i += 2) {
        const s = kept.file[i]!;
        const e = kept.file[i + 1]!;
        if (e <= b.body || s >= b.end) continue;
        pushZeros(segs, s - at);
        segs.push({ start: s, end: e });
        at = e;
      }
      pushZeros(segs, b.end - at);
    } else {
      segs.push(PADDING.has(b.type) ? { start: b.start, end: b.body } : freeHeader(b));
      pushZeros(segs, b.end - b.body);
    }
  }
  return { segments: segs, info: { kind: 'image', ...primarySize(meta, parts, fmt) } };
}

/** Width and height from the primary item's `ispe` property. */
function primarySize(buf: Buffer, parts: MetaParts, fmt: string): { width?: number; height?: number } {
  if (parts.ipco === undefined) return {};
  const props = [...boxesIn(buf, parts.ipco.body, parts.ipco.end, fmt)];
  for (const a of parts.assocs) {
    for (const e of a.entries) {
      if (e.id !== parts.primary) continue;
      for (const k of e.props) {
        const p = props[k - 1];
        if (p?.type === 'ispe' && p.end - p.body >= 12) return { width: buf.readUInt32BE(p.body + 4), height: buf.readUInt32BE(p.body + 8) };
      }
    }
  }
  return {};
}

function pushZeros(segs: Segment[], n: number): void {
  for (let left = n; left > 0; left -= ZEROS.length) segs.push(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
}

/**
 * Re-parses a stripped HEIF file: only coded image items and allowlisted properties, no names,
 * no external references, and zeros wherever no kept item reads in `mdat` and `idat`.
 */
export async function verifyHeifOutput(out: ByteSource, fmt: string): Promise<void> {
  await verifying(fmt, async () => {
    const { top, meta, metaBox } = await readMeta(out, fmt);
    for (const b of top) {
      if (!TOP.has(b.type)) throw verifyFailed(fmt, 'a top-level box outside the allowlist');
      if (PADDING.has(b.type)) await expectZeros(out, b.body, b.end, fmt, 'a padding box with content');
    }
    const parts = parseMeta(meta, metaBox, fmt);
    for (const c of parts.children) {
      if (PADDING.has(c.type)) {
        if (!isZero(meta.subarray(c.body, c.end))) throw verifyFailed(fmt, 'a padding box with content');
      } else if (!META_KEEP.has(c.type)) throw verifyFailed(fmt, 'a meta box outside the allowlist');
      if (c.type === 'hdlr' && !isZero(meta.subarray(Math.min(c.body + HANDLER_NAME_AT, c.end), c.end))) throw verifyFailed(fmt, 'a handler name');
      if (c.type === 'dinf') checkDref(meta, c, fmt, false);
    }
    const ids = new Set<number>();
    for (const i of parts.items) {
      if (!IMAGE_ITEMS.has(i.type)) throw verifyFailed(fmt, 'an item that is not a coded image');
      if (!isZero(meta.subarray(i.nameAt, i.infe.end))) throw verifyFailed(fmt, 'an item name');
      ids.add(i.id);
    }
    if (!ids.has(parts.primary)) throw verifyFailed(fmt, 'no primary image item');
    if (parts.locs.some((l) => !ids.has(l.id))) throw verifyFailed(fmt, 'a location for an item that is not listed');
    if (parts.assocs.some((a) => a.entries.some((e) => !ids.has(e.id)))) throw verifyFailed(fmt, 'properties for an item that is not listed');
    const iref = parts.children.find((c) => c.type === 'iref');
    if (iref && parseIref(meta, iref, fmt).some((r) => !ids.has(r.from) || r.to.some((t) => !ids.has(t)))) throw verifyFailed(fmt, 'a reference to an item that is not listed');
    if (parts.ipco) {
      for (const p of boxesIn(meta, parts.ipco.body, parts.ipco.end, fmt)) {
        if (PADDING.has(p.type) ? !isZero(meta.subarray(p.body, p.end)) : !PROPERTIES.has(p.type)) throw verifyFailed(fmt, 'an item property outside the allowlist');
      }
    }
    const kept = keptRanges(parts, ids, fmt);
    const idat = parts.children.find((c) => c.type === 'idat');
    if (idat) {
      let at = idat.body;
      for (let i = 0; i < kept.idat.length; i += 2) {
        if (!isZero(meta.subarray(at, idat.body + kept.idat[i]!))) throw verifyFailed(fmt, 'idat bytes that no kept item reads');
        at = idat.body + kept.idat[i + 1]!;
      }
      if (!isZero(meta.subarray(at, idat.end))) throw verifyFailed(fmt, 'idat bytes that no kept item reads');
    }
    for (const m of top.filter((b) => b.type === 'mdat')) {
      let at = m.body;
      for (let i = 0; i < kept.file.length; i += 2) {
        const s = Math.max(kept.file[i]!, m.body);
        const e = Math.min(kept.file[i + 1]!, m.end);
        if (e <= s) continue;
        await expectZeros(out, at, s, fmt, 'mdat bytes that no kept item reads');
        at = e;
      }
      await expectZeros(out, at, m.end, fmt, 'mdat bytes that no kept item reads');
    }
  });
}

function isZero(b: Buffer): boolean {
  for (let at = 0; at < b.length; at += ZEROS.length) {
    const part = b.subarray(at, at + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

async function expectZeros(src: ByteSource, from: number, to: number, fmt: string, what: string): Promise<void> {
  for (let at = from; at < to; at += ZEROS.length) {
    if (!isZero(await src.read(at, Math.min(ZEROS.length, to - at)))) throw verifyFailed(fmt, what);
  }
}
