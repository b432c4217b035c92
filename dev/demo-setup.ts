/**
 * What `npm start` does to the demo after the backend is up, through the same API the Teams tab
 * uses: the directory with shared mailboxes, a journal gateway mailbox that the emulator's journal
 * rule sends to (with its secret, over STARTTLS, from loopback only), some journaled mail (one of
 * it only in the journal), and a first archiving run of every mailbox. The demo walk-through test
 * (test/ui/demo.test.ts) runs the same steps.
 */
import type { EmulatorHandle } from '../emulator/src/index';
import { DEMO_USERS } from '../emulator/src/index';

export const DEMO_JOURNAL = 'journal@archive.contoso.example';
export const DEMO_PROFILE = 'All mailboxes';
export const SHARED_PROFILE = 'Shared mailboxes';
/** A message that reached the archive only through journaling: its mailbox copies are gone. */
export const JOURNAL_ONLY_SUBJECT = 'Exit interview with Diego – confidential';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of the API, read field by field
type Json = any;
type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json }>;

/** Calls the backend API as the demo's administrator, with a token the emulator signs. */
export function adminApi(backendUrl: string, emulator: EmulatorHandle): Api {
  return async (method, path, body) => {
    const token = await emulator.issueUserToken(DEMO_USERS.admin.upn);
    const res = await fetch(`${backendUrl}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
}

async function must(what: string, res: Promise<{ status: number; body: Json }>): Promise<Json> {
  const r = await res;
  if (r.status >= 300) throw new Error(`demo set-up: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface DemoSetupOptions {
  backendUrl: string;
  emulator: EmulatorHandle;
  smtpPort: number;
  /** Start the first archiving run (default true). */
  archive?: boolean;
  log?: (line: string) => void;
}

export async function setUpDemo(o: DemoSetupOptions): Promise<{ journalAddress: string; profileId?: string; runId?: string }> {
  const api = adminApi(o.backendUrl, o.emulator);
  const log = o.log ?? (() => undefined);
  await must('directory settings', api('PUT', '/admin/directory/settings', { licensedOnly: false }));
  const sync = await must('directory sync', api('POST', '/admin/directory/sync'));
  log(`directory synchronised: ${sync.seen ?? '?'} users seen`);
  const journalAddress = await journalMailbox(api);
  o.emulator.journal.configure({ host: '127.0.0.1', port: o.smtpPort, journalAddress: journalAddress.address, tls: 'required', auth: { user: journalAddress.address, pass: journalAddress.secret } });
  await sendJournaledMail(o.emulator);
  log(`journal rule sends to ${journalAddress.address} (port ${o.smtpPort}, STARTTLS, AUTH)`);
  if (o.archive === false) return { journalAddress: journalAddress.address };
  const profileId = await ensureProfile(api, DEMO_PROFILE, { kind: 'multiple-mailboxes', selection: 'all' });
  const sharedId = await ensureProfile(api, SHARED_PROFILE, { kind: 'shared-mailboxes', mailboxes: [] });
  const run = await must('run', api('POST', `/admin/profiles/${profileId}/run`));
  await must('shared run', api('POST', `/admin/profiles/${sharedId}/run`));
  log(`first archiving runs started (profiles "${DEMO_PROFILE}" and "${SHARED_PROFILE}")`);
  return { journalAddress: journalAddress.address, profileId, runId: run._id };
}

async function ensureProfile(api: Api, name: string, source: Record<string, unknown>): Promise<string> {
  const profiles = (await must('profiles', api('GET', '/admin/profiles'))).value as { id: string; name: string }[];
  return profiles.find((p) => p.name === name)?.id ?? (await must(`profile ${name}`, api('POST', '/admin/profiles', { name, source, syncDirectoryFirst: true }))).id;
}

/** The demo's gateway mailbox: created once, its secret renewed on every start (it is shown only once). */
async function journalMailbox(api: Api): Promise<{ address: string; secret: string }> {
  const existing = ((await must('journal mailboxes', api('GET', '/admin/journal/mailboxes'))).value as { address: string }[])
    .find((m) => m.address.startsWith('journal-') && m.address.endsWith('@archive.contoso.example'));
  if (existing) {
    const renewed = await must('journal secret', api('POST', `/admin/journal/mailboxes/${encodeURIComponent(existing.address)}/secret`));
    return { address: existing.address, secret: renewed.secret };
  }
  const created = await must('journal mailbox', api('POST', '/admin/journal/mailboxes', { address: DEMO_JOURNAL, description: 'Journal rule of the demo tenant' }));
  await must('journal profile', api('POST', '/admin/journal/profiles', { name: 'Exchange Online journal', mailbox: created.address }));
  return { address: created.address, secret: created.secret };
}

/** Mail sent inside the tenant now, journaled by the emulator's journal rule: Bcc and a group only the envelope shows. */
async function sendJournaledMail(emulator: EmulatorHandle): Promise<void> {
  const u = DEMO_USERS;
  const mails = [
    { from: u.alex.upn, to: [u.megan.upn], bcc: [u.admin.upn], subject: 'Press release, final wording', text: 'Megan, the final wording of the press release is below. Adele is in Bcc for the legal check.\n\nAlex' },
    { from: u.megan.upn, to: ['falcon@contoso.example'], subject: 'Falcon go/no-go moved to Thursday', text: 'The go/no-go meeting moves to Thursday 14:00, Rainier.\n\nMegan' },
    { from: u.lee.upn, to: ['klaus.berger@fabrikam.example'], cc: [u.megan.upn], subject: 'Freigabe Lieferplan Q3', text: 'Hallo Herr Berger, der Lieferplan ist freigegeben. Viele Grüße, Lee Gu' },
    // Deleted from every mailbox before any crawl could see it: only the journal has it.
    { from: u.admin.upn, to: [u.lee.upn], bcc: [u.megan.upn], subject: JOURNAL_ONLY_SUBJECT, text: 'Lee, notes from the exit interview are with HR. Please keep them confidential.\n\nAdele', deliverToMailboxes: false },
  ];
  for (const m of mails) await emulator.journal.sendInternalMail(m);
}
