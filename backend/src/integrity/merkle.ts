import { createHash } from 'node:crypto';

/**
 * Merkle trees as Certificate Transparency builds them (RFC 6962 §2.1): a leaf is
 * SHA-256(0x00 ‖ data), a node SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at the
 * largest power of two below n. The leaves here are ledger entries' chain hashes (32 bytes).
 * A path lists the siblings from the leaf up, each saying on which side it sits, so that a
 * verifier folds it without knowing the tree's shape (docs/integrity.md).
 */
export interface PathStep {
  side: 'left' | 'right';
  hash: string;
}

export function leafHash(data: Buffer): Buffer {
  return sha256(Buffer.from([0]), data);
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.from([1]), left, right);
}

export function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  return rootOf(leaves.map(leafHash));
}

/** The audit path of leaf `index`. */
export function merklePath(leaves: Buffer[], index: number): PathStep[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  const steps: PathStep[] = [];
  pathOf(leaves.map(leafHash), index, steps);
  return steps.reverse();
}

function rootOf(nodes: Buffer[]): Buffer {
  if (nodes.length === 1) return nodes[0]!;
  const k = split(nodes.length);
  return nodeHash(rootOf(nodes.slice(0, k)), rootOf(nodes.slice(k)));
}

/** Siblings from the top down (reversed by the caller). */
function pathOf(nodes: Buffer[], index: number, steps: PathStep[]): void {
  if (nodes.length === 1) return;
  const k = split(nodes.length);
  if (index < k) {
    steps.push({ side: 'right', hash: rootOf(nodes.slice(k)).toString('hex') });
    pathOf(nodes.slice(0, k), index, steps);
  } else {
    steps.push({ side: 'left', hash: rootOf(nodes.slice(0, k)).toString('hex') });
    pathOf(nodes.slice(k), index - k, steps);
  }
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}
