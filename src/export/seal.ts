/**
 * Sealing export files to a customer in the age format (https://age-encryption.org/v1), with
 * the `age-encryption` package: an X25519 stanza carries only an ephemeral share, no recipient
 * id, and the payload is the 64 KiB ChaCha20-Poly1305 STREAM, so the customer opens each file
 * with the standard `age -d -i KEY`. Both directions stream through web streams fed by pull,
 * so at most a chunk or two is in memory however large the file.
 */
import { Decrypter, Encrypter } from 'age-encryption';
import { SunderError } from '../errors.js';

export const SEALED_SUFFIX = '.age';

/** A web stream that pulls from an async iterable only when read (backpressure kept). */
function webStreamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done === true) controller.close();
      else controller.enqueue(value instanceof Uint8Array ? value : Buffer.from(value as string));
    },
    async cancel() {
      await it.return?.();
    },
  }, { highWaterMark: 1 });
}

async function* chunksOf(web: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = web.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Checks an `age1…` X25519 recipient string; CONFIG_INVALID names the option, not the value. */
export function checkAgeRecipient(recipient: string): void {
  if (!/^age1[02-9ac-hj-np-z]{58}$/.test(recipient)) {
    throw new SunderError('CONFIG_INVALID', 'the seal recipient is not an age X25519 recipient (age1 followed by 58 bech32 characters)', { path: ['sealTo'] });
  }
}

/** A pipeline stage: plaintext chunks in, age file out. */
export function sealStage(recipient: string): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Buffer> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return async function* seal(source) {
    yield* chunksOf(await encrypter.encrypt(webStreamOf(source)));
  };
}

/** A pipeline stage: age file in, plaintext out; EXPORT_SEALED when no identity opens it. */
export function openStage(identities: string[]): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Buffer> {
  const decrypter = new Decrypter();
  for (const id of identities) decrypter.addIdentity(id);
  return async function* open(source) {
    let web: ReadableStream<Uint8Array>;
    try {
      web = await decrypter.decrypt(webStreamOf(source));
    } catch (err) {
      throw new SunderError('EXPORT_SEALED', 'a sealed export file does not open with the given identity (not sealed to it, or its header was altered)', { cause: err });
    }
    try {
      yield* chunksOf(web);
    } catch (err) {
      throw new SunderError('EXPORT_TAMPERED', 'a sealed export file fails its authentication (altered or truncated)', { cause: err });
    }
  };
}

/** The age identities in a key file as `age-keygen` writes it (comments and blank lines skipped). */
export function parseIdentityFile(text: string): string[] {
  const ids = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (ids.length === 0) throw new SunderError('KEYS_WRONG', 'the identity file holds no AGE-SECRET-KEY- line', { path: ['identity'] });
  return ids;
}

