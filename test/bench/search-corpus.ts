/**
 * The search benchmarks' archive and query mix: real corpus mail (lore-linux-s390 and the
 * SpamAssassin corpora), each source message reused with varied headers (hash, received date,
 * folder, an extra recipient) until an archive holds the size wanted.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseMessage } from '../../backend/src/ingest/parse';
import { entryFor, type IndexEntry } from '../../backend/src/search/index-store';
import { corpusFiles } from '../helpers/corpus';

const FOLDERS = ['Inbox', 'Inbox', 'Inbox', 'Inbox/Projects', 'Sent Items', 'Archive', 'Archive/2019', 'Deleted Items'];
const DATE_FROM = Date.UTC(2016, 0, 1);
const DATE_SPAN = Date.UTC(2026, 0, 1) - DATE_FROM;

/** The query mix. Attachment words: from the text attachments of a few SpamAssassin messages. */
export const MIX: Record<string, string[]> = {
  'one word': ['kernel', 'solaris', 'memory', 'guarantee', 'vfio', 'razor', 'muppet', 'cgroup'],
  'two words': ['kvm memory', 'spam filter', 'linux driver', 'dma pool', 'free software', 'device tree'],
  phrase: ['"mailing list"', '"free software"', '"page table"', '"error handling"', '"the kernel"', '"sun solaris"'],
  'from:': ['from:linux.ibm.com', 'from:kernel.org', 'from:freude@linux.ibm.com', 'from:"heiko carstens"', 'from:yahoo.com', 'from:example.com'],
  'date range': ['after:2021-03-01 before:2021-04-01', 'after:2024-01-01 before:2024-02-01 kernel', 'before:2016-06-01', 'after:2025-12-01', 'after:2019-05-01 before:2019-05-08 has:attachment'],
  prefix: ['invoic*', 'crypt*', 'vsi*', 'solar*', 'memor*', 'kvm*'],
  'word in attachments': ['fluxbox', 'blackbox', 'extrasinit.tcl', 'ftoc.tcl', 'fluxbox window'],
  'no hits': ['zqxjvbnmw', 'qwertyuiopasdfg', 'from:nobody@nowhere.example', '"purple elephant dance"', 'xylophonic*', 'kernel zqxjvbnmw'],
};

export interface Template {
  path: string;
  sha: string;
  entry: IndexEntry;
}

export async function loadTemplates(): Promise<Template[]> {
  const files = [...corpusFiles('lore-linux-s390'), ...corpusFiles('spamassassin-easy_ham'), ...corpusFiles('spamassassin-spam')];
  if (files.length === 0) throw new Error('the corpus (../shared/corpus) is needed for this benchmark');
  const out: Template[] = [];
  for (const path of files) {
    const bytes = readFileSync(path);
    const m = await parseMessage(() => Readable.from([bytes]));
    const sha = createHash('sha256').update(bytes).digest('hex');
    out.push({ path, sha, entry: entryFor({ sha256: sha, folder: 'Inbox', receivedAt: new Date(0), size: bytes.length, hasAttachments: m.hasAttachments }, m) });
  }
  return out;
}

/** Message i of the archive: a corpus message with its own hash, date, folder and one more recipient. */
export function variant(templates: Template[], i: number): IndexEntry {
  const t = templates[i % templates.length] as Template;
  const h = createHash('sha256').update(t.sha).update(String(i)).digest();
  const at = DATE_FROM + (h.readUInt32BE(0) / 0x100000000) * DATE_SPAN;
  const colleague = { name: `Colleague ${h[4]! % 50}`, address: `colleague${h[4]! % 50}@contoso.example` };
  return { ...t.entry, sha256: h.toString('hex'), receivedAt: new Date(Math.floor(at / 1000) * 1000), folder: FOLDERS[h[5]! % FOLDERS.length] as string, to: [...t.entry.to, colleague] };
}

/** UTF-8 bytes of the text an entry has indexed: subject, addresses, names, bodies, attachment text. */
export function textBytes(e: IndexEntry): number {
  const people = [e.from, ...(e.moreFrom ?? []), ...e.to].flatMap((p) => (p ? [p.name, p.address] : []));
  const parts = [e.subject, ...people, ...e.attachmentNames, e.body, e.alternativeText ?? '', ...e.attachmentText];
  return parts.reduce((n, s) => n + Buffer.byteLength(s), 0);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
