/**
 * Field paths for outcomes and errors. A path segment that came from the input (an attribute
 * or text field name) is printed only when it looks like a field name: a key such as
 * `13800138000` or `王小明` would otherwise carry personal data into an outcome.
 */
const SAFE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function safeSegment(segment: PropertyKey): string {
  if (typeof segment === 'number') return String(segment);
  const s = String(segment);
  return SAFE_SEGMENT.test(s) && !/\d{5}/.test(s) ? s : '*';
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(safeSegment).join('.');
}
