/** ibanAt: the BBAN is read straight from the text, with the grouping rules of the former `(?: ?[A-Z0-9]{1,4}){1,9}`. */
import { describe, expect, it } from 'vitest';
import { ibanAt } from '../../src/detect/recognizers/iban.js';

describe('ibanAt', () => {
  it.each([
    ['GB82WEST12345698765432', 22],
    ['GB82 WEST 1234 5698 7654 32', 27],
    ['GB82 WE ST12 3456 9876 5432', 27], // irregular groups of up to four
    ['GB82WEST1234569876543200', 22], // the country's length, not the whole run
    ['GB82WEST12345698765433', -1], // check digits do not hold
    ['GB82 W E S T 1 2 3 4 5 6 9 8 7 6 5 4 3 2', -1], // more than nine groups
    ['GB82  WEST12345698765432', -1], // two spaces end it
    ['GB82west12345698765432', -1], // lower case is no BBAN
    ['XX82WEST12345698765432', -1], // no such country
    ['GB82WEST123456987654', -1], // too short
  ])('%s', (text, end) => {
    expect(ibanAt(text, 0)).toBe(end);
  });

  it('starts at the given offset, next to CJK text', () => {
    const t = '账户GB82 WEST 1234 5698 7654 32，谢谢';
    expect(ibanAt(t, 2)).toBe(t.indexOf('，'));
  });
});
