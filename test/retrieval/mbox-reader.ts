import assert from 'node:assert/strict';

/**
 * Reads an mboxrd file the way mail programs do, independently of the writer: every line that
 * starts with `From ` begins a message, one `>` comes off each /^>+From / line, and the empty line
 * before the next `From ` belongs to the separator.
 */
export function parseMboxrd(mbox: Buffer): Buffer[] {
  const messages: string[][] = [];
  for (const line of mbox.toString('latin1').split(/(?<=\n)/)) {
    if (line.startsWith('From ')) {
      messages.push([]);
      continue;
    }
    const current = messages.at(-1);
    assert.ok(current, 'the mbox starts with a From line');
    current.push(line.replace(/^>(>*From )/, '$1'));
  }
  return messages.map((lines, i) => {
    const text = lines.join('');
    assert.ok(text.endsWith('\n'), `message ${i} ends with the separator's empty line`);
    return Buffer.from(text.slice(0, -1), 'latin1');
  });
}
