// Runs in Node (main process, dev host, CLI). The head anchor: a small file beside the database
// (`<db>.head`) naming the newest entry this kiosk has committed, with that entry's signature.
//
// Why: a hash chain cannot show that its newest entries are gone. Deleting the tail, restoring an
// old copy of the file, or truncating the WAL (which silently drops the commits it held) all leave a
// shorter chain that verifies. The anchor is written after each commit, so the database always
// holds at least the anchored entry; a ledger whose last entry is older than the anchor has lost
// entries, and verify reports a `gap` there. It is written without fsync (the database commit was
// already fsync'd, so after a power cut the anchor can only be behind the database, never ahead),
// which keeps its cost to one small write per append.
//
// Two fixed 112-byte slots, written alternately (by seq parity), so a torn write can only damage
// the slot being replaced:  magic "BKLH" | version 1 | 3 zero bytes | seq (8, BE) | entry hash (32)
// | entry signature (64). A slot counts only if its signature verifies for its hash under the
// ledger's key, so a forged anchor cannot fake a longer ledger; rolling the file back to an older
// anchor is beyond what a local file can detect (the head-office outbox is the outside witness).
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { HASH_BYTES } from './entry-hash';
import { SIGNATURE_BYTES, verifyEntrySignature } from './signing';

const MAGIC = Buffer.from('BKLH', 'ascii');
const SLOT_BYTES = 4 + 4 + 8 + HASH_BYTES + SIGNATURE_BYTES;

export interface HeadAnchor {
  readonly seq: number;
  readonly hash: Buffer;
  readonly signature: Buffer;
}

export function headAnchorPath(databasePath: string): string {
  return `${databasePath}.head`;
}

export class HeadAnchorWriter {
  private fd: number | undefined;
  private readonly slot = Buffer.alloc(SLOT_BYTES);

  constructor(private readonly path: string) {}

  write(anchor: HeadAnchor): void {
    if (this.fd === undefined) {
      // 'a' creates the file without truncating it; positional writes need a descriptor opened r+.
      closeSync(openSync(this.path, 'a', 0o600));
      this.fd = openSync(this.path, 'r+');
    }
    const slot = this.slot;
    MAGIC.copy(slot, 0);
    slot[4] = 1;
    slot.writeBigUInt64BE(BigInt(anchor.seq), 8);
    anchor.hash.copy(slot, 16);
    anchor.signature.copy(slot, 16 + HASH_BYTES);
    writeSync(this.fd, slot, 0, SLOT_BYTES, (anchor.seq % 2) * SLOT_BYTES);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export type AnchorReading = { readonly state: 'absent' } | { readonly state: 'unreadable' } | { readonly state: 'present'; readonly anchor: HeadAnchor };

/** The newest slot whose signature verifies; `unreadable` if the file exists but no slot does. */
export function readHeadAnchor(path: string, publicKey: KeyObject): AnchorReading {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (caught) {
    if ((caught as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw caught;
  }
  let best: HeadAnchor | undefined;
  for (let offset = 0; offset + SLOT_BYTES <= bytes.length && offset < 2 * SLOT_BYTES; offset += SLOT_BYTES) {
    const slot = bytes.subarray(offset, offset + SLOT_BYTES);
    if (!slot.subarray(0, 4).equals(MAGIC) || slot[4] !== 1) continue;
    const seq = Number(slot.readBigUInt64BE(8));
    const hash = Buffer.from(slot.subarray(16, 16 + HASH_BYTES));
    const signature = Buffer.from(slot.subarray(16 + HASH_BYTES));
    if (!Number.isSafeInteger(seq) || seq < 1 || !verifyEntrySignature(publicKey, hash, signature)) continue;
    if (best === undefined || seq > best.seq) best = { seq, hash, signature };
  }
  return best === undefined ? { state: 'unreadable' } : { state: 'present', anchor: best };
}
