/**
 * The message hashes a merge has seen, to drop a message indexed twice. A merge of a million
 * messages held them as a Set of hex strings: 96 MB of the main thread's heap (measured), the
 * most any one task of an archive's size held there. Here each SHA-256 takes its 32 bytes in one
 * buffer plus a 4-byte slot of an open-addressing table sized up front (a merge knows how many
 * messages it reads): 40 MB per million, outside the heap. An id that is not 64 hex digits (none
 * is written today) goes to a Set of its own, so that no two messages are ever taken for one.
 */
export class HashSet {
  private readonly keys: Buffer;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private n = 0;
  private readonly other = new Set<string>();

  constructor(capacity: number) {
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.keys = Buffer.allocUnsafe(32 * Math.max(1, capacity));
  }

  /** Adds `sha`; false when it was there already. At most `capacity` hex hashes may be added. */
  add(sha: string): boolean {
    if (this.n * 32 >= this.keys.length) throw new Error(`more hashes than the ${this.keys.length / 32} this set was sized for`);
    const at = this.n * 32;
    // Hex decoding stops at the first character that is not a hex digit.
    if (sha.length !== 64 || this.keys.write(sha, at, 32, 'hex') !== 32) {
      if (this.other.has(sha)) return false;
      this.other.add(sha);
      return true;
    }
    // The hash is uniformly random already: its first 32 bits pick the slot.
    for (let slot = this.keys.readUInt32LE(at) & this.mask; ; slot = (slot + 1) & this.mask) {
      const k = this.slots[slot] as number;
      if (k < 0) {
        this.slots[slot] = this.n++;
        return true;
      }
      if (this.keys.compare(this.keys, at, at + 32, k * 32, k * 32 + 32) === 0) return false;
    }
  }
}
