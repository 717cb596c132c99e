/**
 * Chinese passports and permits (no check character, so the shape must be exact and the token
 * must stand alone):
 * - passport: `E` + 8 digits, `E` + letter + 7 digits (2012+), `G` + 8 digits (older),
 *   diplomatic/service/public-affairs `DE`/`SE`/`PE` + 7 digits;
 * - Mainland Travel Permit for Hong Kong and Macau residents (回乡证): `H`/`M` + 8 or 10 digits;
 * - Exit-Entry Permit to Hong Kong/Macau (往来港澳通行证): `C` + 8 digits or `C` + letter + 7;
 * - Permit to Taiwan (往来台湾通行证): `L` + 8 digits; Taiwan compatriot permit (台胞证): 8
 *   digits, or 10 digits with a letter, only after a cue word.
 */
export const PASSPORT_RE = /(?:E[A-HJ-NP-Z0-9]\d{7}|G\d{8}|[DSP]E\d{7}|[HM]\d{8}(?:\d{2})?|C[A-HJ-NP-Z0-9]\d{7}|L\d{8})(?![A-Za-z0-9])/y;

/** Cue words before a bare-digit Taiwan compatriot permit number. */
export const TW_PERMIT_CUES = ['台胞证', '台湾居民来往大陆通行证', 'MTP'] as const;
