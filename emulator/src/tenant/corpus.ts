import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir } from '../config';

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
