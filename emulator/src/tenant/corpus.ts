import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir } from '../config';
import { graphDate } from './mime';

/** Sorted file paths of one corpus folder; empty when the corpus is absent. */
export function corpusFiles(folder: string): string[] {
  const dir = join(corpusDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name))
    .filter((p) => statSync(p).isFile());
}

export function corpusPresent(): boolean {
  return corpusFiles('lore-linux-s390').length > 0 && corpusFiles('spamassassin-easy_ham').length > 0;
}

let warned = false;
export function warnNoCorpus(): void {
  if (warned) return;
  warned = true;
  console.warn(`[emulator] mail corpus not found at ${corpusDir}; seeding generated RFC 5322 messages instead`);
}

/** The Date header of a file, read from its first few kilobytes (cheap enough for seeding). */
export function headerDate(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16384);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
    const match = /^date:[ \t]*(.+(?:\r?\n[ \t].+)*)/im.exec(head);
    const time = match?.[1] ? Date.parse(match[1].replace(/\s+/g, ' ').replace(/\([^)]*\)/g, '').trim()) : NaN;
    return Number.isNaN(time) ? undefined : graphDate(new Date(time));
  } finally {
    closeSync(fd);
  }
}

const TOPICS = ['Quarterly report', 'Project kickoff', 'Invoice 2024-117', 'Travel plans', 'Design review', 'Release notes'];

/** A plain RFC 5322 message for when the real corpus is missing. */
export function syntheticMessage(i: number, from: string, to: string, date: Date, messageId = `synthetic-${i}.${to}@emulator.invalid`): Buffer {
  const topic = TOPICS[i % TOPICS.length]!;
  return Buffer.from(
    [
      `From: Sender ${i % 7} <${from}>`,
      `To: <${to}>`,
      `Subject: ${topic} #${i}`,
      `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${messageId}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Hello,\r\n\r\nthis is generated message ${i} about ${topic.toLowerCase()}.\r\n\r\nRegards`,
      '',
    ].join('\r\n'),
  );
}
