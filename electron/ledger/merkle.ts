// Runs in Node (main process, dev host, CLI). The Merkle tree that a checkpoint signs, in the
// shape of RFC 6962 / RFC 9162 (Certificate Transparency): node = SHA-256(0x01 || left || right),
// a tree of n leaves splits at the largest power of two below n. The leaves are the entry hashes
// themselves rather than SHA-256(0x00 || data): an entry hash is SHA-256 over bytes that start with
// the length-prefixed entry tag (00 00 00 1c …), never with 0x01, so no interior node can pass as
// an entry, and verification saves one hash per entry.
import { sha256 } from './entry-hash';

// One scratch buffer for every interior node: building a million-entry tree allocates only the results.
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 0x01;

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32) throw new RangeError('Merkle nodes are 32 bytes');
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return sha256(nodeInput);
}

/** The tree hash of `leaves` (at least one). Iterative, so a range of any size costs n-1 hashes and no recursion. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  // Combining pairs left to right level by level, carrying an odd last node up unchanged, gives
  // exactly RFC 6962's largest-power-of-two split.
  let level: Uint8Array[] = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let index = 0; index + 1 < level.length; index += 2) next.push(nodeHash(level[index]!, level[index + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return Buffer.from(level[0]!);
}

/** RFC 6962 PATH(m, D[n]): the sibling hashes from leaf `index` up to the root. */
export function inclusionPath(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const path: Buffer[] = [];
  let level: Uint8Array[] = leaves.slice();
  let position = index;
  while (level.length > 1) {
    const sibling = position ^ 1;
    if (sibling < level.length) path.push(Buffer.from(level[sibling]!));
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    position >>= 1;
  }
  return path;
}

/** RFC 9162 §2.1.3.2: recomputes the root from a leaf, its index, the tree size and the path. */
export function rootFromInclusionPath(leaf: Uint8Array, index: number, treeSize: number, path: readonly Uint8Array[]): Buffer | null {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize) return null;
  let fn = index;
  let sn = treeSize - 1;
  let result: Buffer = Buffer.from(leaf);
  for (const sibling of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      result = nodeHash(sibling, result);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      result = nodeHash(result, sibling);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? result : null;
}
