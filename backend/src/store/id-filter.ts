/**
 * A Bloom filter over blob ids (hex SHA-256 or keyed hashes, so uniformly spread already: the
 * id's own bits give the positions). Ten bits per id and seven positions: about 1 % of ids that
 * were never added are taken for added ones; an added id is never missed.
 */
export class IdFilter {
  private readonly size: number;
  private readonly bits: Uint8Array;

  constructor(capacity: number) {
    this.size = Math.max(1024, capacity * 10);
    this.bits = new Uint8Array(Math.ceil(this.size / 8));
  }

  add(id: string): void {
    for (const p of this.positions(id)) this.bits[p >> 3]! |= 1 << (p & 7);
  }

  mayHave(id: string): boolean {
    return this.positions(id).every((p) => (this.bits[p >> 3]! & (1 << (p & 7))) !== 0);
  }

  private positions(id: string): number[] {
    return Array.from({ length: 7 }, (_, k) => Number.parseInt(id.slice(k * 8, k * 8 + 8), 16) % this.size);
  }
}
