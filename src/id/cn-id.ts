/**
 * Chinese resident identity numbers (GB 11643-1999): 6-digit region code, 8-digit birth date,
 * 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

/** Province-level divisions by the first two digits of the region code. */
export const PROVINCES: Readonly<Record<string, string>> = {
  '11': 'Beijing', '12': 'Tianjin', '13': 'Hebei', '14': 'Shanxi', '15': 'Inner Mongolia',
  '21': 'Liaoning', '22': 'Jilin', '23': 'Heilongjiang',
  '31': 'Shanghai', '32': 'Jiangsu', '33': 'Zhejiang', '34': 'Anhui', '35': 'Fujian', '36': 'Jiangxi', '37': 'Shandong',
  '41': 'Henan', '42': 'Hubei', '43': 'Hunan', '44': 'Guangdong', '45': 'Guangxi', '46': 'Hainan',
  '50': 'Chongqing', '51': 'Sichuan', '52': 'Guizhou', '53': 'Yunnan', '54': 'Tibet',
  '61': 'Shaanxi', '62': 'Gansu', '63': 'Qinghai', '64': 'Ningxia', '65': 'Xinjiang',
  '71': 'Taiwan', '81': 'Hong Kong', '82': 'Macau', '83': 'Taiwan',
};

/** The MOD 11-2 check character for the first 17 digits. */
export function cnIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export function isCnIdChecksumValid(id18: string): boolean {
  return id18.length === 18 && cnIdCheckChar(id18.slice(0, 17)) === id18[17]!.toUpperCase();
}

/** Legacy 15-digit numbers carry a 2-digit year of the 1900s and no check character. */
export function cnIdTo18(id15: string): string {
  const first17 = id15.slice(0, 6) + '19' + id15.slice(6);
  return first17 + cnIdCheckChar(first17);
}

/** A real calendar date `YYYYMMDD` (no 0230, no month 13), as `YYYY-MM-DD`. */
export function parseCompactDate(yyyymmdd: string): string | undefined {
  if (!/^\d{8}$/.test(yyyymmdd)) return undefined;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1850 || m < 1 || m > 12 || d < 1) return undefined;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return undefined;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

export interface CnIdParts {
  regionCode: string;
  provinceCode: string;
  /** English province name, or undefined for an unknown province code. */
  province: string | undefined;
  /** `YYYY-MM-DD`, or undefined when the digits are no real date. */
  birthDate: string | undefined;
  sex: 'male' | 'female';
  checksumValid: boolean;
}

/** Splits a normalised 18-character ID into its parts. */
export function parseCnId(id18: string): CnIdParts {
  const provinceCode = id18.slice(0, 2);
  return {
    regionCode: id18.slice(0, 6),
    provinceCode,
    province: PROVINCES[provinceCode],
    birthDate: parseCompactDate(id18.slice(6, 14)),
    sex: (id18.charCodeAt(16) - 48) % 2 === 1 ? 'male' : 'female',
    checksumValid: isCnIdChecksumValid(id18),
  };
}
