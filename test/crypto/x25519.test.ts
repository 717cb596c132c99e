import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { isSunderError } from '../../src/errors.js';
import { boxBefore, generateX25519Ephemeral, generateX25519KeyPair, publicFromSecret, publicFromSecretByBasePoint, secretKeyObject, x25519, x25519KeyPairFromSecretKey } from '../../src/crypto/x25519.js';
import { seededRandom } from '../../fixtures/vectors/generate.js';

const rand = seededRandom('test x25519');

describe('native X25519 is byte-compatible with tweetnacl', () => {
  it('derives the same public key from a secret key as nacl.box.keyPair.fromSecretKey', () => {
    for (let i = 0; i < 20; i++) {
      const sk = rand(32);
      expect(Buffer.from(x25519KeyPairFromSecretKey(sk).publicKey)).toEqual(Buffer.from(nacl.box.keyPair.fromSecretKey(sk).publicKey));
    }
  });

  it('reads back the public key OpenSSL computed at import: equal to X25519(secret, 9) and to tweetnacl', () => {
    // Unclamped secrets too (high bit set, low bits set): both sides must clamp the same way.
    const secrets = [new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(1), ...Array.from({ length: 100 }, () => rand(32))];
    for (const sk of secrets) {
      const key = secretKeyObject(sk);
      const pub = Buffer.from(publicFromSecret(key));
      expect(pub).toHaveLength(32);
      expect(pub).toEqual(Buffer.from(publicFromSecretByBasePoint(key)));
      expect(pub).toEqual(Buffer.from(nacl.box.keyPair.fromSecretKey(sk).publicKey));
    }
  });

  it('generates key pairs whose halves belong together (checked with tweetnacl)', () => {
    for (let i = 0; i < 10; i++) {
      const pair = generateX25519KeyPair();
      expect(pair.publicKey).toHaveLength(32);
      expect(pair.secretKey).toHaveLength(32);
      expect(Buffer.from(nacl.box.keyPair.fromSecretKey(pair.secretKey).publicKey)).toEqual(Buffer.from(pair.publicKey));
    }
    expect(Buffer.from(generateX25519KeyPair().secretKey)).not.toEqual(Buffer.from(generateX25519KeyPair().secretKey));
  });

  it('computes the raw shared secret of nacl.scalarMult and the box key of nacl.box.before', () => {
    for (let i = 0; i < 20; i++) {
      const a = nacl.box.keyPair.fromSecretKey(rand(32));
      const b = nacl.box.keyPair.fromSecretKey(rand(32));
      expect(Buffer.from(x25519(a.secretKey, b.publicKey))).toEqual(Buffer.from(nacl.scalarMult(a.secretKey, b.publicKey)));
      expect(Buffer.from(boxBefore(b.publicKey, a.secretKey))).toEqual(Buffer.from(nacl.box.before(b.publicKey, a.secretKey)));
    }
  });

  it('keeps an ephemeral secret inside a KeyObject whose public half is the one returned', () => {
    const peer = nacl.box.keyPair();
    const eph = generateX25519Ephemeral();
    expect(Buffer.from(boxBefore(peer.publicKey, eph.privateKey))).toEqual(Buffer.from(nacl.box.before(eph.publicKey, peer.secretKey)));
  });

  it('makes boxes that nacl.box.open opens, and opens boxes nacl.box made', () => {
    const alice = generateX25519KeyPair();
    const bob = nacl.box.keyPair();
    const msg = rand(100);
    const nonce = rand(24);
    const ours = nacl.secretbox(msg, nonce, boxBefore(bob.publicKey, alice.secretKey));
    expect(Buffer.from(nacl.box.open(ours, nonce, alice.publicKey, bob.secretKey)!)).toEqual(Buffer.from(msg));
    const theirs = nacl.box(msg, nonce, alice.publicKey, bob.secretKey);
    expect(Buffer.from(nacl.secretbox.open(theirs, nonce, boxBefore(bob.publicKey, alice.secretKey))!)).toEqual(Buffer.from(msg));
  });

  it('refuses a low-order public key (all-zero shared secret) with KEYS_WRONG, where tweetnacl would accept it', () => {
    const sk = rand(32);
    expect(Buffer.from(nacl.scalarMult(sk, new Uint8Array(32)))).toEqual(Buffer.alloc(32));
    expect(() => x25519(sk, new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'KEYS_WRONG' }));
  });

  it('rejects keys of the wrong length with KEYS_WRONG, without echoing them', () => {
    try {
      x25519(rand(31), rand(32));
      expect.unreachable();
    } catch (err) {
      expect(isSunderError(err, 'KEYS_WRONG')).toBe(true);
      expect((err as Error).message).toContain('31 bytes');
    }
  });
});

describe('regression: key generation never deadlocks (Node 20 ~KeyGenJob vs ExportJWK mutex)', () => {
  // With generateKeyPairSync + a JWK export, a GC during the export finalised the KeyGenJob,
  // which took the mutex the export held: the process hung forever. A child process with a
  // small young generation (frequent scavenges) generating 15,000 pairs hung in 3 of 4 runs
  // with that code; a hang fails this test instead of the suite.
  it('generates 15,000 key pairs and ephemerals in a child process that exits', async () => {
    const { spawn } = await import('node:child_process');
    const script = `
      import { generateX25519KeyPair, generateX25519Ephemeral, x25519KeyPairFromSecretKey } from './src/crypto/x25519.ts';
      let n = 0;
      for (let i = 0; i < 15000; i++) {
        const kp = generateX25519KeyPair();
        n += x25519KeyPairFromSecretKey(kp.secretKey).publicKey[0] === kp.publicKey[0] ? 1 : 0;
        generateX25519Ephemeral();
      }
      console.log(n);
    `;
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(out.trim()).toBe('15000');
  });
});
