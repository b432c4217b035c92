/**
 * The text of one attachment, capped at the characters the message has room for: extractors
 * check `full` to stop reading early instead of producing text that would be thrown away.
 * Runs of blank space are collapsed and control characters dropped as they come, so neither
 * layout whitespace nor binary junk eats the room.
 */
export class TextBudget {
  private readonly parts: string[] = [];
  private used = 0;
  private last = '\n';

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.used >= this.max;
  }

  add(text: string): void {
    for (const piece of text.split(/(\n)/)) {
      if (piece === '\n') this.newline();
      else this.words(piece);
    }
  }

  /** Ends a line; at most one empty line in a row is kept. */
  newline(): void {
    if (this.parts.length >= 2 && this.last === '\n' && this.parts.at(-2)?.endsWith('\n')) return;
    this.push('\n');
  }

  /** Separates what follows from what came before (a cell, a table column). */
  space(): void {
    if (this.last !== ' ' && this.last !== '\n') this.push(' ');
  }

  text(): string {
    return this.parts.join('').trim();
  }

  private words(piece: string): void {
    // Control characters (a zip bomb's zeros, say) are no text and take no room.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    const squeezed = piece.replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '').replace(/[ \t\f\v\r\u00a0]+/g, ' ');
    if (!squeezed || (squeezed === ' ' && (this.last === ' ' || this.last === '\n'))) return;
    this.push(this.last === '\n' || this.last === ' ' ? squeezed.replace(/^ /, '') : squeezed);
  }

  private push(text: string): void {
    if (this.full || !text) return;
    const kept = text.slice(0, this.max - this.used);
    this.parts.push(kept);
    this.used += kept.length;
    this.last = kept.at(-1) ?? this.last;
  }
}
