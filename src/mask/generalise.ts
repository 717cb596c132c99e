/** Generalisation: a coarser value that keeps what analysis needs (province, decade, network). */
import type { EntityKind } from '../detect/types.js';
import { PROVINCES, parseCompactDate } from '../id/cn-id.js';
import { normalizeCnId, normalizeEmail, normalizePhone, toHalfWidth } from '../id/normalize.js';

/** Address up to its last administrative division (`北京市海淀区中关村大街27号` -> `北京市海淀区`). */
function addressArea(v: string): string | undefined {
  const m = /^.*?[省市区县旗州]+(?=[^省市区县旗州]*$)/u.exec(v) ?? /^.*[省市区县旗州]/u.exec(v);
  return m?.[0];
}

export function generalise(kind: EntityKind, value: string): string {
  switch (kind) {
    case 'CN_ID':
    case 'CN_ID_PROBABLE': {
      const id = normalizeCnId(value);
      if (id === undefined) break;
      const province = PROVINCES[id.slice(0, 2)] ?? 'unknown';
      const date = parseCompactDate(id.slice(6, 14));
      const decade = date === undefined ? '?' : `${date.slice(0, 3)}0s`;
      return `[${kind}:${province},${decade}]`;
    }
    case 'PHONE': {
      const p = normalizePhone(value);
      if (p !== undefined && /^1[3-9]\d{9}$/.test(p)) return p.slice(0, 3) + '********';
      break;
    }
    case 'EMAIL': {
      const e = normalizeEmail(value);
      if (e !== undefined) return '*' + e.slice(e.lastIndexOf('@'));
      break;
    }
    case 'IP': {
      const v = toHalfWidth(value);
      const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(v);
      if (m !== null) return `${m[1]}.${m[2]}.${m[3]}.0/24`;
      break;
    }
    case 'ADDRESS': {
      const area = addressArea(value);
      if (area !== undefined && area.length < value.length) return area + '…';
      break;
    }
    default:
      break;
  }
  return `[${kind}]`;
}
