import { DEMO } from '../../config';
import { composeMail, type DemoMail, type Person } from './compose';
import { demoFile } from './files';
import { DEMO_USERS, P, STAFF, type DemoKey, type StaffKey } from './people';
import { DIGEST, EVERYDAY, FALCON_THREAD, HEADLINES, INQUIRIES, JAPANESE_THREAD, LIEFERPLAN_THREAD, NEWS_ITEMS, SPAM, digestHtml, newsletterHtml } from './texts';

export interface DemoOptions {
  /** The demo's "now": history is dated back from it (default: the start of the current hour). */
  now?: Date;
  /** Everyday messages per staff mailbox besides the fixed ones (default 20; `npm start` uses more). */
  historyPerUser?: number;
}

export interface Delivery {
  owner: DemoKey;
  folder: string;
  isRead: boolean;
}

export interface PlannedMail {
  bytes: Buffer;
  messageId: string;
  date: Date;
  deliveries: Delivery[];
}

const DAY = 86_400_000;
const ALL_STAFF: Person = { name: 'All staff', address: `allstaff@${DEMO.domain}` };
const FALCON_MEMBERS: StaffKey[] = ['admin', 'megan', 'alex', 'lee'];

/** A small deterministic PRNG (mulberry32): the same demo on every start. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mailboxes that an address reaches: a person, the Falcon group's members, or all staff. */
function ownersOf(address: string): DemoKey[] {
  const a = address.toLowerCase();
  if (a === P.falcon.address) return FALCON_MEMBERS;
  if (a === ALL_STAFF.address) return [...STAFF];
  const key = (Object.keys(DEMO_USERS) as DemoKey[]).find((k) => DEMO_USERS[k].upn === a);
  return key ? [key] : [];
}

class Planner {
  readonly mails: PlannedMail[] = [];
  readonly rand: () => number;

  constructor(readonly now: Date) {
    this.rand = prng(20_260_105);
  }

  /** `days` before now at a working hour; never later than now. */
  ago(days: number, hour = 9, minute = 0): Date {
    const day = Date.UTC(this.now.getUTCFullYear(), this.now.getUTCMonth(), this.now.getUTCDate()) - days * DAY;
    return new Date(Math.min(day + (hour * 60 + minute) * 60_000, this.now.getTime() - 60_000));
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  /** Sends `mail`: the sender's Sent Items and every recipient's Inbox (or the folder `folders` names). */
  send(mail: Omit<DemoMail, 'messageId'> & { id: string }, folders: Partial<Record<DemoKey, string>> = {}): string {
    const messageId = `${mail.id}@${DEMO.domain}`;
    const isRead = this.now.getTime() - mail.date.getTime() > 3 * DAY;
    const deliveries: Delivery[] = [];
    const seen = new Set<DemoKey>();
    const add = (owner: DemoKey, folder: string, read: boolean) => {
      if (seen.has(owner)) return;
      seen.add(owner);
      deliveries.push({ owner, folder: folders[owner] ?? folder, isRead: read });
    };
    for (const owner of ownersOf(mail.from.address)) add(owner, 'sentitems', true);
    for (const r of [...mail.to, ...(mail.cc ?? [])]) for (const owner of ownersOf(r.address)) add(owner, 'inbox', isRead);
    this.mails.push({ bytes: composeMail({ ...mail, messageId }), messageId, date: mail.date, deliveries });
    return messageId;
  }

  /** A thread: each message replies to the previous one and carries the chain in References. */
  thread(id: string, subject: string, steps: { from: Person; to: Person[]; cc?: Person[]; date: Date; text: string; file?: string }[], folders: Partial<Record<DemoKey, string>> = {}): void {
    const chain: string[] = [];
    steps.forEach((s, i) => {
      const messageId = this.send({
        id: `${id}-${i + 1}`, from: s.from, to: s.to, cc: s.cc, date: s.date, text: s.text,
        subject: i === 0 ? subject : `RE: ${subject}`,
        inReplyTo: chain.at(-1), references: chain.length ? [...chain] : undefined,
        attachments: s.file ? [demoFile(s.file)] : undefined,
      }, folders);
      chain.push(messageId);
    });
  }
}

/** Every message of the demo tenant and where it lies, in a fixed order. */
export function planDemoMail(opts: DemoOptions = {}): PlannedMail[] {
  const now = opts.now ?? new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const history = opts.historyPerUser ?? 20;
  const p = new Planner(now);
  projectThreads(p);
  customerMail(p);
  newsletters(p, Math.max(2, Math.ceil(history / 5)));
  everyday(p, history);
  return p.mails;
}

function projectThreads(p: Planner): void {
  const { megan, alex, lee, admin, klaus, yuki } = P;
  const falcon = { megan: 'Inbox/Projects/Falcon' };
  p.thread('falcon-launch-plan', 'Falcon launch plan', [
    { from: megan, to: [alex, lee], cc: [admin], date: p.ago(9, 8, 40), text: FALCON_THREAD[0]!, file: 'Falcon-launch-plan.docx' },
    { from: alex, to: [megan], cc: [lee, admin], date: p.ago(8, 10, 5), text: FALCON_THREAD[1]! },
    { from: lee, to: [megan], cc: [alex, admin], date: p.ago(6, 14, 20), text: FALCON_THREAD[2]!, file: 'Budget-2026-Q3.xlsx' },
    { from: admin, to: [megan], cc: [alex, lee], date: p.ago(2, 16, 45), text: FALCON_THREAD[3]! },
    { from: megan, to: [alex, lee, admin], date: p.ago(0, 0, 0), text: FALCON_THREAD[4]! },
  ], falcon);
  p.send({ id: 'falcon-press-photos', from: alex, to: [P.falcon], subject: 'Press photos are in', date: p.ago(5, 11, 10), text: 'The studio delivered the press photos; they are on the Falcon team site under Media.\n\nAlex' }, falcon);
  p.send({ id: 'rainier-rehearsal', from: megan, to: [P.room], cc: [alex], subject: 'Partner webinar rehearsal', date: p.ago(2, 17, 0), text: 'Booking Rainier for the webinar rehearsal on Tuesday, 10:00–11:30.' });
  p.thread('lieferplan-q3', 'Lieferplan Q3 – Terminabstimmung', [
    { from: klaus, to: [lee], date: p.ago(20, 7, 55), text: LIEFERPLAN_THREAD[0]! },
    { from: lee, to: [klaus], date: p.ago(19, 9, 30), text: LIEFERPLAN_THREAD[1]!, file: 'Budget-2026-Q3.xlsx' },
    { from: klaus, to: [lee], date: p.ago(18, 8, 15), text: LIEFERPLAN_THREAD[2]! },
  ], { lee: 'Inbox/Projects/Suppliers' });
  p.thread('tokyo-press', '新製品の発表について', [
    { from: yuki, to: [megan], date: p.ago(15, 2, 10), text: JAPANESE_THREAD[0]! },
    { from: megan, to: [yuki], date: p.ago(14, 9, 0), text: JAPANESE_THREAD[1]! },
  ]);
  p.send({ id: 'invoice-inv-2026-0117', from: P.pradeep, to: [admin], cc: [lee], subject: 'Invoice INV-2026-0117 for the migration workshop', date: p.ago(12, 13, 5), text: 'Hello Adele,\n\nplease find our invoice for the workshop attached. Payment terms: 30 days.\n\nBest regards\nPradeep Gupta\nFabrikam Inc.', attachments: [demoFile('Invoice-INV-2026-0117.pdf')] }, { lee: 'Inbox/Projects' });
  p.send({ id: 'travel-policy-2026', from: admin, to: [ALL_STAFF], subject: 'Updated travel policy for 2026', date: p.ago(40, 10, 0), text: 'Hi all,\n\nthe travel policy for 2026 is attached: rail is preferred for shorter trips, and bookings go through the travel desk.\n\nAdele', attachments: [demoFile('Travel-policy-2026.pdf')] });
}

function customerMail(p: Planner): void {
  INQUIRIES.forEach((q, i) => {
    const from = P[q.from];
    p.thread(`inquiry-${q.from}`, q.subject, [
      { from, to: [P.shared], date: p.ago(30 - i * 4, 8 + i, 12), text: q.text },
      { from: P.shared, to: [from], date: p.ago(29 - i * 4, 10 + i, 30), text: q.reply },
    ]);
  });
}

function newsletters(p: Planner, issues: number): void {
  for (let k = 0; k < issues; k++) {
    const issue = 120 - k;
    const items = [0, 1, 2].map((j) => NEWS_ITEMS[(k + j) % NEWS_ITEMS.length]!);
    p.send({
      id: `contoso-weekly-${issue}`, from: P.news, to: [ALL_STAFF], date: p.ago(1 + 7 * k, 7, 30),
      subject: `Contoso Weekly #${issue}: ${HEADLINES[k % HEADLINES.length]}`, text: `Contoso Weekly #${issue}\n\n${items.join('\n')}`,
      html: newsletterHtml(issue, HEADLINES[k % HEADLINES.length]!, items),
      headers: { 'List-Unsubscribe': '<https://intranet.contoso.example/news/unsubscribe>', 'List-Id': 'Contoso Weekly <weekly.news.contoso.example>' },
    });
  }
  for (let k = 0; k < Math.max(1, Math.ceil(issues / 4)); k++) {
    const month = DIGEST[k % DIGEST.length]!;
    p.send({ id: `fabrikam-digest-${k}`, from: P.digest, to: [P.megan, P.alex], subject: `Fabrikam Product Digest – ${month}`, date: p.ago(3 + 30 * k, 6, 0), text: `Fabrikam Product Digest – ${month}. Firmware 4.2 for the X200 controller.`, html: digestHtml(month) });
  }
}

/** Everyday mail: each staff member sends and receives, over about six months, filed in several folders. */
function everyday(p: Planner, perUser: number): void {
  const partners = [P.klaus, P.pradeep, P.camille, P.sofia];
  STAFF.forEach((owner) => {
    for (let i = 0; i < perUser; i++) {
      const [subject, text] = p.pick(EVERYDAY);
      const colleague = P[p.pick(STAFF.filter((s) => s !== owner))];
      const outgoing = p.rand() < 0.2;
      const other = p.rand() < 0.3 ? p.pick(partners) : colleague;
      const days = Math.floor(Math.pow(p.rand(), 1.5) * 180);
      const r = p.rand();
      const folder = r < 0.55 ? 'inbox' : r < 0.72 ? 'Inbox/Projects' : r < 0.92 ? 'archive' : 'deleteditems';
      const file = i % 9 === 4 ? [demoFile(i % 2 ? 'Invoice-INV-2026-0117.pdf' : 'Travel-policy-2026.pdf')] : undefined;
      p.send({
        id: `everyday-${owner}-${i}`, from: outgoing ? P[owner] : other, to: [outgoing ? other : P[owner]], subject, date: p.ago(days, 7 + Math.floor(p.rand() * 11), Math.floor(p.rand() * 60)),
        text: `Hello,\n\n${text}\n\nBest regards\n${(outgoing ? P[owner] : other).name}`, attachments: file,
      }, outgoing ? {} : { [owner]: folder });
    }
    SPAM.forEach(([subject, text], k) => p.send({ id: `spam-${owner}-${k}`, from: P.spam, to: [P[owner]], subject, date: p.ago(10 + k * 17, 3, 33), text }, { [owner]: 'junkemail' }));
  });
}
