import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import {
  STANZA_SUBJECT_SECRET, STANZA_X25519, SUBJECT_SECRET_STANZA_BODY_BYTES, SubjectSecretRecipient, X25519Identity, X25519Sender, X25519_STANZA_BODY_BYTES,
  openSealed, sealTo, subjectStanzaKey, systemRandom,
} from '../../src/crypto/recipient.js';
import { generateX25519KeyPair } from '../../src/crypto/x25519.js';
import { seededRandom } from '../../fixtures/vectors/generate.js';

const rand = seededRandom('test recipient');

describe('X25519 recipient stanzas', () => {
  it('wraps a data key that the subject identity unwraps, and nacl.box.open opens too', () => {
    const subject = generateX25519KeyPair();
    const sender = new X25519Sender();
    const dataKey = rand(32);
    const [stanza, ...rest] = sender.recipient(subject.publicKey).wrap(dataKey);
    expect(rest).toHaveLength(0);
    expect(stanza!.type).toBe(STANZA_X25519);
    expect(stanza!.body).toHaveLength(X25519_STANZA_BODY_BYTES);
    expect(Buffer.from(stanza!.body.subarray(0, 32))).toEqual(Buffer.from(sender.publicKey));
    expect(Buffer.from(new X25519Identity(subject.secretKey).unwrap([stanza!])!)).toEqual(Buffer.from(dataKey));
    const b = stanza!.body;
    expect(Buffer.from(nacl.box.open(b.subarray(56), b.subarray(32, 56), b.subarray(0, 32), subject.secretKey)!)).toEqual(Buffer.from(dataKey));
  });

  it('uses a fresh nonce per wrap under the same cached shared key', () => {
    const subject = generateX25519KeyPair();
    const r = new X25519Sender().recipient(subject.publicKey);
    const key = rand(32);
    const a = r.wrap(key)[0]!.body;
    const b = r.wrap(key)[0]!.body;
    expect(Buffer.from(a.subarray(32, 56))).not.toEqual(Buffer.from(b.subarray(32, 56)));
    expect(Buffer.from(a.subarray(56))).not.toEqual(Buffer.from(b.subarray(56)));
  });

  it('returns null to another identity, and skips stanzas of other types', () => {
    const subject = generateX25519KeyPair();
    const stanza = new X25519Sender().recipient(subject.publicKey).wrap(rand(32))[0]!;
    expect(new X25519Identity(generateX25519KeyPair().secretKey).unwrap([stanza])).toBeNull();
    expect(new X25519Identity(subject.secretKey).unwrap([{ type: 0x7f, body: stanza.body }])).toBeNull();
  });

  it('finds its own stanza among several', () => {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    const sender = new X25519Sender();
    const key = rand(32);
    const stanzas = [...sender.recipient(a.publicKey).wrap(key), ...sender.recipient(b.publicKey).wrap(key)];
    expect(Buffer.from(new X25519Identity(b.secretKey).unwrap(stanzas)!)).toEqual(Buffer.from(key));
  });

  it('computes the shared key once per subject and keeps at most maxCached, least recently used out first', () => {
    const sender = new X25519Sender({ maxCached: 2 });
    const [p1, p2, p3] = [generateX25519KeyPair(), generateX25519KeyPair(), generateX25519KeyPair()];
    const r1 = sender.recipient(p1.publicKey);
    expect(sender.recipient(p1.publicKey)).toBe(r1);
    sender.recipient(p2.publicKey);
    sender.recipient(p1.publicKey); // p1 is now most recent
    sender.recipient(p3.publicKey); // evicts p2
    expect(sender.cached).toBe(2);
    expect(sender.recipient(p1.publicKey)).toBe(r1);
    sender.clear();
    expect(sender.cached).toBe(0);
    const again = sender.recipient(p1.publicKey);
    expect(again).not.toBe(r1);
    // A recomputed shared key is the same key: both wrap to the same subject.
    expect(new X25519Identity(p1.secretKey).unwrap(again.wrap(rand(32)))).not.toBeNull();
  });

  it('rejects a bad maxCached with CONFIG_INVALID', () => {
    expect(() => new X25519Sender({ maxCached: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses an X25519 stanza of the wrong length as a malformed header', () => {
    const subject = generateX25519KeyPair();
    expect(() => new X25519Identity(subject.secretKey).unwrap([{ type: STANZA_X25519, body: new Uint8Array(103) }])).toThrow(expect.objectContaining({ code: 'FORMAT_HEADER' }));
  });
});

describe('subject-secret stanzas (the run that creates a subject)', () => {
  it('wraps a data key that the subject identity unwraps, and nacl.secretbox.open opens under the derived key', () => {
    const subject = generateX25519KeyPair();
    const dataKey = rand(32);
    const [stanza, ...rest] = new SubjectSecretRecipient(subject.secretKey).wrap(dataKey);
    expect(rest).toHaveLength(0);
    expect(stanza!.type).toBe(STANZA_SUBJECT_SECRET);
    expect(stanza!.body).toHaveLength(SUBJECT_SECRET_STANZA_BODY_BYTES);
    expect(Buffer.from(new X25519Identity(subject.secretKey).unwrap([stanza!])!)).toEqual(Buffer.from(dataKey));
    const b = stanza!.body;
    expect(Buffer.from(nacl.secretbox.open(b.subarray(24), b.subarray(0, 24), subjectStanzaKey(subject.secretKey))!)).toEqual(Buffer.from(dataKey));
  });

  it('derives a stanza key that is neither the secret nor the X25519 shared key, and opens for no other subject', () => {
    const subject = generateX25519KeyPair();
    const key = subjectStanzaKey(subject.secretKey);
    expect(Buffer.from(key)).not.toEqual(Buffer.from(subject.secretKey));
    expect(Buffer.from(key)).toEqual(Buffer.from(subjectStanzaKey(new Uint8Array(subject.secretKey))));
    const stanza = new SubjectSecretRecipient(subject.secretKey).wrap(rand(32))[0]!;
    expect(new X25519Identity(generateX25519KeyPair().secretKey).unwrap([stanza])).toBeNull();
  });

  it('uses a fresh nonce per wrap', () => {
    const r = new SubjectSecretRecipient(generateX25519KeyPair().secretKey);
    const key = rand(32);
    expect(Buffer.from(r.wrap(key)[0]!.body.subarray(0, 24))).not.toEqual(Buffer.from(r.wrap(key)[0]!.body.subarray(0, 24)));
  });

  it('sits beside X25519 stanzas: an identity finds its own stanza of either type', () => {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    const key = rand(32);
    const stanzas = [...new X25519Sender().recipient(a.publicKey).wrap(key), ...new SubjectSecretRecipient(b.secretKey).wrap(key)];
    expect(Buffer.from(new X25519Identity(a.secretKey).unwrap(stanzas)!)).toEqual(Buffer.from(key));
    expect(Buffer.from(new X25519Identity(b.secretKey).unwrap(stanzas)!)).toEqual(Buffer.from(key));
  });

  it('refuses a subject-secret stanza of the wrong length as a malformed header', () => {
    const subject = generateX25519KeyPair();
    expect(() => new X25519Identity(subject.secretKey).unwrap([{ type: STANZA_SUBJECT_SECRET, body: new Uint8Array(71) }])).toThrow(expect.objectContaining({ code: 'FORMAT_HEADER' }));
  });
});

describe('sealed boxes to role keys', () => {
  it('round-trips a subject secret key to a role', () => {
    const role = generateX25519KeyPair();
    const secret = rand(32);
    const sealed = sealTo(role.publicKey, secret);
    expect(sealed).toHaveLength(32 + 16 + 32);
    expect(Buffer.from(openSealed(role, sealed))).toEqual(Buffer.from(secret));
  });

  it('is anonymous and randomised: a fresh ephemeral key per seal', () => {
    const role = generateX25519KeyPair();
    const secret = rand(32);
    const a = sealTo(role.publicKey, secret);
    const b = sealTo(role.publicKey, secret);
    expect(Buffer.from(a.subarray(0, 32))).not.toEqual(Buffer.from(b.subarray(0, 32)));
  });

  it('is a NaCl box from the ephemeral key with nonce = SHA-512(epk || role pk)[0..24]', async () => {
    const { createHash } = await import('node:crypto');
    const role = nacl.box.keyPair();
    const secret = rand(40);
    const sealed = sealTo(role.publicKey, secret);
    const epk = sealed.subarray(0, 32);
    const nonce = createHash('sha512').update(epk).update(role.publicKey).digest().subarray(0, 24);
    expect(Buffer.from(nacl.box.open(sealed.subarray(32), nonce, epk, role.secretKey)!)).toEqual(Buffer.from(secret));
  });

  it('fails with KEYS_WRONG for another role key or a tampered box, FORMAT_TRUNCATED when too short', () => {
    const officer = generateX25519KeyPair();
    const exporter = generateX25519KeyPair();
    const sealed = sealTo(officer.publicKey, rand(32));
    expect(() => openSealed(exporter, sealed)).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
    const tampered = new Uint8Array(sealed);
    tampered[40] = tampered[40]! ^ 1;
    expect(() => openSealed(officer, tampered)).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
    const badEpk = new Uint8Array(sealed);
    badEpk.fill(0, 0, 32);
    expect(() => openSealed(officer, badEpk)).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
    expect(() => openSealed(officer, sealed.subarray(0, 47))).toThrow(expect.objectContaining({ code: 'FORMAT_TRUNCATED' }));
  });
});

describe('systemRandom', () => {
  it('never hands out the same bytes twice across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(Buffer.from(systemRandom(24)).toString('hex'));
    expect(seen.size).toBe(2000);
    expect(systemRandom(40_000)).toHaveLength(40_000);
  });
});
