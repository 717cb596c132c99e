/**
 * The contract between detection and transformation (detect is not transform): a recognizer
 * reports spans, operators rewrite them. Offsets are UTF-16 code units into the scanned text.
 */

/** Kinds the built-in recognizers report. Custom recognizers may report any other string. */
export type BuiltinKind =
  | 'CN_ID' // resident ID, 18 or 15 digits, checksum and date valid
  | 'CN_ID_PROBABLE' // ID-shaped, real region and date, wrong check character (likely a typo)
  | 'PHONE' // Chinese mobile or landline
  | 'EMAIL'
  | 'BANK_CARD'
  | 'IBAN'
  | 'PASSPORT' // Chinese passports and HK/Macau/Taiwan permits
  | 'HK_ID'
  | 'TW_ID'
  | 'IP'
  | 'MAC'
  | 'PLATE'
  | 'QQ'
  | 'WECHAT'
  | 'NAME'
  | 'ADDRESS';
export type EntityKind = BuiltinKind | (string & {});

export interface Finding {
  kind: EntityKind;
  /** UTF-16 code unit offset of the first character. */
  start: number;
  /** UTF-16 code unit offset one past the last character. */
  end: number;
  /** 0..1; 1 for checksum-validated and known values. */
  score: number;
}

/** An identity value of the record's own subject or guardian, matched in any spacing or width. */
export interface KnownValue {
  kind: EntityKind;
  value: string;
}
