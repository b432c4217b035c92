import { createHash } from 'node:crypto';
import type { IndexEntry } from '../../backend/src/search/index-store';

/**
 * Mail made up for retention tests and the benchmark: what matters there is which messages go
 * and which stay, not the parsing of real mail (the ingest tests cover that on the corpus).
 */
const WORDS = ['budget', 'invoice', 'contract', 'meeting', 'falcon', 'launch', 'review', 'payroll', 'travel', 'audit', 'vendor', 'quarterly', 'merger', 'hiring', 'roadmap', 'security'];
const PEOPLE = ['alice@contoso.example', 'bob@contoso.example', 'carol@fabrikam.example', 'dan@contractor.example', 'erin@contoso.example'];
const FOLDERS = ['Inbox', 'Inbox/Projects', 'Sent Items', 'Archive'];

const pick = <T>(list: readonly T[], n: number) => list[n % list.length] as T;

export interface Synthetic {
  n: number;
  subject: string;
  from: string;
  to: string;
  body: string;
  folder: string;
  receivedAt: Date;
}

/** Message number `n`, received `daysAgo` days before `now` (plus n seconds, so that seconds differ). */
export function synthetic(n: number, daysAgo: number, now = Date.now(), salt = ''): Synthetic {
  return {
    n,
    subject: `${pick(WORDS, n)} ${pick(WORDS, n * 7 + 3)} number ${n}${salt}`,
    from: pick(PEOPLE, n),
    to: pick(PEOPLE, n + 1 + (n % 3)),
    body: `About the ${pick(WORDS, n * 3 + 1)} and the ${pick(WORDS, n * 5 + 2)}. Ticket ${n}${salt}.`,
    folder: pick(FOLDERS, n),
    receivedAt: new Date(now - daysAgo * 86_400_000 - (n % 80_000) * 1000),
  };
}

export function mime(m: Synthetic): Buffer {
  return Buffer.from(
    [
      `From: ${m.from}`,
      `To: ${m.to}`,
      `Subject: ${m.subject}`,
      `Date: ${m.receivedAt.toUTCString()}`,
      `Message-ID: <synthetic-${m.n}-${m.subject.length}@retention.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      m.body,
      '',
    ].join('\r\n'),
  );
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What the indexer receives for a synthetic message (as entryFor would build it). */
export function entryOf(m: Synthetic): IndexEntry {
  const bytes = mime(m);
  return {
    sha256: sha256(bytes),
    receivedAt: m.receivedAt,
    folder: m.folder,
    size: bytes.length,
    hasAttachments: false,
    subject: m.subject,
    from: { name: '', address: m.from },
    to: [{ name: '', address: m.to }],
    attachmentNames: [],
    body: m.body,
    attachmentText: [],
  };
}
