import { DEMO } from '../config';
import { syntheticMessage } from './corpus';
import { bufferSource } from './mime';
import type { Tenant } from './model';
import { DEMO_USERS, PEOPLE } from './demo/people';
import { planDemoMail, type DemoOptions } from './demo/plan';
import { registerDemoApps, registerDemoGroups } from './seed-directory';
import { seedDemoTeams } from '../teams/seed';

export { DEMO_USERS } from './demo/people';
export { DEMO_FILE_WORDS } from './demo/files';
export type { DemoOptions } from './demo/plan';

const D = DEMO.domain;

/** Byte-identical in every recipient's mailbox: the single-instance storage case. */
export const ALL_HANDS_MESSAGE_ID = '<all-hands-2024-03@contoso.example>';
function allHandsMime(): Buffer {
  return Buffer.from([
    `From: Adele Vance <adele.vance@${D}>`,
    `To: Megan Bowen <megan.bowen@${D}>, Alex Wilber <alex.wilber@${D}>, Lee Gu <lee.gu@${D}>,`,
    ` Diego Siciliani <diego.siciliani@${D}>`,
    `Cc: Contoso Info <info@${D}>`,
    'Subject: All-hands meeting on Friday',
    'Date: Mon, 4 Mar 2024 09:15:00 +0000',
    `Message-ID: ${ALL_HANDS_MESSAGE_ID}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="=_allhands"',
    '',
    '--=_allhands',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hi all, the all-hands meeting is on Friday at 10:00 in Rainier. Agenda attached in the invite.',
    '--=_allhands',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Hi all, the <b>all-hands meeting</b> is on Friday at 10:00 in Rainier.</p>',
    '--=_allhands--',
    '',
  ].join('\r\n'));
}

/**
 * The demo tenant, generated here and the same on every clone (no third-party text): people,
 * groups, folders, threads, newsletters, attachments, mail in several languages and scripts and
 * some months of history (demo/plan.ts), dated back from `now`.
 */
export function seedDemo(tenant: Tenant, opts: DemoOptions = {}): void {
  registerDemoApps(tenant);
  for (const p of PEOPLE) tenant.addUser(p);
  for (const userId of tenant.mailboxes.keys()) tenant.addFolder(userId, 'inbox', 'Projects');
  tenant.addFolder(DEMO_USERS.megan.id, 'Inbox/Projects', 'Falcon');
  tenant.addFolder(DEMO_USERS.lee.id, 'Inbox/Projects', 'Suppliers');
  tenant.addFolder(DEMO_USERS.admin.id, 'inbox', 'Empty Folder');
  registerDemoGroups(tenant, DEMO_USERS);
  const insert = (owner: keyof typeof DEMO_USERS, folder: string, source: ReturnType<typeof bufferSource>, date: Date, isRead: boolean) => {
    const mb = tenant.mustMailbox(DEMO_USERS[owner].id);
    mb.insert(mb.resolveFolder(folder)!.id, { source, receivedDateTime: date.toISOString().replace(/\.\d{3}Z$/, 'Z'), isRead });
  };
  for (const mail of planDemoMail(opts)) {
    const source = bufferSource(mail.bytes, `demo:${mail.messageId}`);
    for (const d of mail.deliveries) insert(d.owner, d.folder, source, new Date(mail.date.getTime() + (d.folder === 'sentitems' ? 0 : 4000)), d.isRead);
  }
  const allHands = bufferSource(allHandsMime(), 'demo:all-hands');
  const received = new Date('2024-03-04T09:15:04Z');
  insert('admin', 'sentitems', allHands, received, true);
  for (const key of ['megan', 'alex', 'lee', 'diego', 'shared'] as const) insert(key, 'inbox', allHands, received, false);
  seedOnlineArchive(tenant);
  seedDemoTeams(tenant, DEMO_USERS);
}

/**
 * Diego has an online archive whose "Inbox/2019" was expanded into an auxiliary archive: its
 * content answers 308 from the main archive (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects).
 */
function seedOnlineArchive(tenant: Tenant): void {
  const owner = DEMO_USERS.diego;
  const main = tenant.enableArchive(owner.id);
  const expanded = tenant.addFolder(main, 'Inbox', '2019').id!;
  const auxiliary = tenant.expandArchiveFolder(main, expanded);
  for (let i = 0; i < 4; i++) {
    const date = new Date(Date.UTC(2019, 2, 1 + i * 30));
    const source = bufferSource(syntheticMessage(900 + i, `partner${i}@fabrikam.example`, owner.upn, date), `demo:archive:${i}`);
    const mb = tenant.mustMailbox(i < 2 ? main : auxiliary);
    mb.insert(mb.resolveFolder(i < 2 ? 'Inbox' : expanded)!.id, { source, receivedDateTime: date.toISOString().replace(/\.\d+Z$/, 'Z'), isRead: true });
  }
}
