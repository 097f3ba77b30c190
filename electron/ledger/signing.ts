// Runs in Node (main process, dev host, CLI). The kiosk's Ed25519 signing key and what it signs.
//
// The key store holds only the 32-byte private seed (KeyStore.getOrCreateSecret), so any key store
// that can keep a secret can keep this key; the public key is derived from it and also written into
// the ledger file, where a verifier without the key store finds it (and should compare it with the
// key pinned at enrolment, because whoever can rewrite the file can rewrite that copy too).
//
// Signed messages are tagged, so an entry signature can never pass as a checkpoint signature:
//   entry:       tag `branch-kiosk/ledger-entry-signature/v1` (length-prefixed) || entry hash (32)
//   checkpoint:  see checkpointMessage()
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { lengthPrefixed, sha256 } from './entry-hash';

/** The key store entry that holds the Ed25519 seed. Letters, digits and dashes only (safeStorage's rule). */
export const SIGNING_KEY_NAME = 'ledger-signing-ed25519';
export const SIGNING_SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;

const ENTRY_SIGNATURE_TAG = lengthPrefixed('branch-kiosk/ledger-entry-signature/v1');
const CHECKPOINT_TAG = lengthPrefixed('branch-kiosk/ledger-checkpoint/v1');
// DER wrappers for a raw Ed25519 key (RFC 8410): Node imports keys only as PKCS#8 / SPKI or JWK.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
  readonly keyId: string;
}

export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== SIGNING_SEED_BYTES) throw new RangeError(`an Ed25519 seed is ${SIGNING_SEED_BYTES} bytes`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - PUBLIC_KEY_BYTES));
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A short, stable name for a public key: the first 16 hex characters of its SHA-256. */
export function keyIdOf(publicKey: Uint8Array): string {
  return sha256(publicKey).toString('hex').slice(0, 16);
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`an Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

export function signEntryHash(key: SigningKey, entryHash: Uint8Array): Buffer {
  return sign(null, Buffer.concat([ENTRY_SIGNATURE_TAG, entryHash]), key.privateKey);
}

export function verifyEntrySignature(publicKey: KeyObject, entryHash: Uint8Array, signature: Uint8Array | null): boolean {
  if (signature === null || signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, Buffer.concat([ENTRY_SIGNATURE_TAG, entryHash]), publicKey, signature);
}

export interface CheckpointFields {
  readonly kioskId: string;
  /** 1, 2, 3… */
  readonly number: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** RFC 6962 Merkle tree hash over the entry hashes firstSeq..lastSeq (merkle.ts). */
  readonly merkleRoot: Uint8Array;
  /** SHA-256 over the entries' signatures in order (64 zero bytes for an unsigned slice-1 entry). */
  readonly signaturesDigest: Uint8Array;
  readonly recordedAt: string;
}

/**
 * tag || kiosk_id (length-prefixed) || number, first_seq, last_seq (8 bytes big-endian each) ||
 * merkle_root (32) || signatures_digest (32) || recorded_at (length-prefixed).
 */
export function checkpointMessage(fields: CheckpointFields): Buffer {
  const numbers = Buffer.alloc(24);
  numbers.writeBigUInt64BE(BigInt(fields.number), 0);
  numbers.writeBigUInt64BE(BigInt(fields.firstSeq), 8);
  numbers.writeBigUInt64BE(BigInt(fields.lastSeq), 16);
  return Buffer.concat([CHECKPOINT_TAG, lengthPrefixed(fields.kioskId), numbers, fields.merkleRoot, fields.signaturesDigest, lengthPrefixed(fields.recordedAt)]);
}

export function signCheckpoint(key: SigningKey, fields: CheckpointFields): Buffer {
  return sign(null, checkpointMessage(fields), key.privateKey);
}

export function verifyCheckpointSignature(publicKey: KeyObject, fields: CheckpointFields, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, checkpointMessage(fields), publicKey, signature);
}

export const UNSIGNED_PLACEHOLDER: Buffer = Buffer.alloc(SIGNATURE_BYTES);
