import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, DEMO } from '../config';
import { corpusFiles, corpusPresent, headerDate, syntheticMessage, warnNoCorpus } from './corpus';
import type { NewUser } from './directory';
import { bufferSource, fileSource } from './mime';
import type { MessageSource } from './mime';
import type { Tenant } from './model';
import { registerDemoApps, registerDemoGroups } from './seed-directory';

const D = DEMO.domain;
const uid = (n: number) => `0d1e7a11-0000-4000-a000-0000000000${String(n).padStart(2, '0')}`;

/** The demo tenant's people; ids are fixed so documentation can name them. */
export const DEMO_USERS = {
  admin: { id: uid(1), upn: `adele.vance@${D}` },
  megan: { id: uid(2), upn: `megan.bowen@${D}` },
  alex: { id: uid(3), upn: `alex.wilber@${D}` },
  lee: { id: uid(4), upn: `lee.gu@${D}` },
  diego: { id: uid(5), upn: `diego.siciliani@${D}` },
  shared: { id: uid(6), upn: `info@${D}` },
  room: { id: uid(7), upn: `rainier@${D}` },
  guest: { id: uid(8), upn: `pradeep_fabrikam.example#EXT#@${DEMO.initialDomain}` },
  service: { id: uid(9), upn: `svc-build@${D}` },
} as const;

const person = (key: keyof typeof DEMO_USERS, given: string, sur: string, extra: Partial<NewUser> = {}): NewUser => {
  const { id, upn } = DEMO_USERS[key];
  const local = upn.split('@')[0]!;
  return {
    id, userPrincipalName: upn, displayName: `${given} ${sur}`, givenName: given, surname: sur, licensed: true,
    aliases: [`${given[0]!.toLowerCase()}${sur.toLowerCase()}@${D}`, `${local}@${DEMO.initialDomain}`],
    createdDateTime: '2023-01-09T10:00:00Z', ...extra,
  };
};

const PEOPLE: NewUser[] = [
  person('admin', 'Adele', 'Vance', { jobTitle: 'IT Administrator', department: 'IT', appRoles: ['Archive.Admin'] }),
  person('megan', 'Megan', 'Bowen', { jobTitle: 'Marketing Manager', department: 'Marketing' }),
  person('alex', 'Alex', 'Wilber', { jobTitle: 'Marketing Assistant', department: 'Marketing' }),
  person('lee', 'Lee', 'Gu', { jobTitle: 'Director', department: 'Manufacturing' }),
  // Left the company: sign-in blocked, licence and mailbox kept until the archive has it.
  person('diego', 'Diego', 'Siciliani', { jobTitle: 'HR Manager', department: 'HR', accountEnabled: false }),
  {
    id: DEMO_USERS.shared.id, userPrincipalName: DEMO_USERS.shared.upn, displayName: 'Contoso Info', licensed: false,
    accountEnabled: false, userPurpose: 'shared', aliases: [`contact@${D}`, `info@${DEMO.initialDomain}`],
    createdDateTime: '2023-02-01T08:00:00Z',
  },
  {
    id: DEMO_USERS.room.id, userPrincipalName: DEMO_USERS.room.upn, displayName: 'Conference Room Rainier', licensed: false,
    accountEnabled: false, userPurpose: 'room', aliases: [`rainier@${DEMO.initialDomain}`], createdDateTime: '2023-02-01T08:00:00Z',
  },
  {
    id: DEMO_USERS.guest.id, userPrincipalName: DEMO_USERS.guest.upn, displayName: 'Pradeep Gupta (Fabrikam)',
    mail: 'pradeep@fabrikam.example', userType: 'Guest', licensed: false, userPurpose: null, createdDateTime: '2023-03-15T12:00:00Z',
  },
  {
    id: DEMO_USERS.service.id, userPrincipalName: DEMO_USERS.service.upn, displayName: 'Build Service', mail: null,
    licensed: false, userPurpose: null, createdDateTime: '2023-03-20T12:00:00Z',
  },
];

const ODD_FILES = [
  'mimekit-messages/simple-embedded-message.eml', 'mailparser/nested.eml', 'ruby-mail/attachment_pdf.eml',
  'mimekit-messages/japanese.txt', 'mailparser/mixed.eml', 'ruby-mail/attachment_nonascii_filename.eml',
  'mimekit-messages/disposition-notification.txt', 'ruby-mail/bad_date_header.eml', 'mailparser/delivery-status.eml',
  'ruby-mail/encoding_madness.eml', 'mimekit-messages/rich-text.eml', 'ruby-mail/attachment_message_rfc822.eml',
].map((f) => join(corpusDir, f)).filter((p) => existsSync(p));

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

interface Placement { folder: string; source: MessageSource; received: string; isRead: boolean }

export async function seedDemo(tenant: Tenant): Promise<void> {
  registerDemoApps(tenant);
  for (const p of PEOPLE) tenant.addUser(p);
  for (const userId of tenant.mailboxes.keys()) tenant.addFolder(userId, 'inbox', 'Projects');
  registerDemoGroups(tenant, DEMO_USERS);
  const plan = corpusPresent() ? corpusPlan() : syntheticPlan();
  for (const [user, placements] of plan) {
    for (const p of placements) {
      await tenant.insertItem(user, p.folder, { source: p.source, receivedDateTime: p.received, isRead: p.isRead });
    }
  }
  const allHands = bufferSource(allHandsMime(), 'demo:all-hands');
  const received = '2024-03-04T09:15:04Z';
  await tenant.insertItem(DEMO_USERS.admin.id, 'sentitems', { source: allHands, receivedDateTime: received, isRead: true });
  for (const key of ['megan', 'alex', 'lee', 'diego', 'shared'] as const) {
    await tenant.insertItem(DEMO_USERS[key].id, 'inbox', { source: allHands, receivedDateTime: received, isRead: false });
  }
  tenant.addFolder(DEMO_USERS.admin.id, 'inbox', 'Empty Folder');
  await seedOnlineArchive(tenant);
}

/**
 * Diego has an online archive whose "Inbox/2019" was expanded into an auxiliary archive: its
 * content answers 308 from the main archive (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects).
 */
async function seedOnlineArchive(tenant: Tenant): Promise<void> {
  const owner = DEMO_USERS.diego;
  const main = tenant.enableArchive(owner.id);
  const expanded = tenant.addFolder(main, 'Inbox', '2019').id!;
  const auxiliary = tenant.expandArchiveFolder(main, expanded);
  for (let i = 0; i < 4; i++) {
    const date = new Date(Date.UTC(2019, 2, 1 + i * 30));
    const source = bufferSource(syntheticMessage(900 + i, `partner${i}@fabrikam.example`, owner.upn, date), `demo:archive:${i}`);
    await tenant.insertItem(i < 2 ? main : auxiliary, i < 2 ? 'Inbox' : expanded, { source, receivedDateTime: date.toISOString().replace(/\.\d+Z$/, 'Z'), isRead: true });
  }
}

function received(path: string, i: number): string {
  return headerDate(path) ?? new Date(Date.UTC(2023, 0, 1) + i * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function corpusPlan(): Map<string, Placement[]> {
  const lore = corpusFiles('lore-linux-s390');
  const ham = corpusFiles('spamassassin-easy_ham');
  const spam = corpusFiles('spamassassin-spam');
  const plan = new Map<string, Placement[]>();
  const licensed = ['admin', 'megan', 'alex', 'lee', 'diego'] as const;
  licensed.forEach((key, u) => {
    const list: Placement[] = [];
    let i = 0;
    const put = (folder: string, path: string) => {
      list.push({ folder, source: fileSource(path), received: received(path, i), isRead: i++ % 4 !== 0 });
    };
    lore.slice(u * 30, u * 30 + 20).forEach((p) => put('inbox', p));
    lore.slice(u * 30 + 20, u * 30 + 26).forEach((p) => put('Inbox/Projects', p));
    lore.slice(u * 30 + 26, u * 30 + 28).forEach((p) => put('sentitems', p));
    ham.slice(u * 12, u * 12 + 6).forEach((p) => put('inbox', p));
    ham.slice(u * 12 + 6, u * 12 + 10).forEach((p) => put('archive', p));
    ham.slice(u * 12 + 10, u * 12 + 11).forEach((p) => put('deleteditems', p));
    spam.slice(u * 2, u * 2 + 2).forEach((p) => put('junkemail', p));
    [0, 1].map((k) => ODD_FILES[(u * 2 + k) % ODD_FILES.length]).forEach((p) => p && put('inbox', p));
    plan.set(DEMO_USERS[key].id, list);
  });
  // One thread lands in two mailboxes: delivered copies are byte-identical.
  const sharedThread = lore[200];
  if (sharedThread) {
    plan.get(DEMO_USERS.megan.id)!.push({ folder: 'inbox', source: fileSource(sharedThread), received: received(sharedThread, 0), isRead: true });
    plan.get(DEMO_USERS.alex.id)!.push({ folder: 'inbox', source: fileSource(sharedThread), received: received(sharedThread, 0), isRead: true });
  }
  plan.set(DEMO_USERS.shared.id, ham.slice(100, 108).map((p, i) => ({ folder: 'inbox', source: fileSource(p), received: received(p, i), isRead: false })));
  plan.set(DEMO_USERS.room.id, ham.slice(120, 122).map((p, i) => ({ folder: 'inbox', source: fileSource(p), received: received(p, i), isRead: true })));
  return plan;
}

function syntheticPlan(): Map<string, Placement[]> {
  warnNoCorpus();
  const plan = new Map<string, Placement[]>();
  const owners = ['admin', 'megan', 'alex', 'lee', 'diego', 'shared', 'room'] as const;
  owners.forEach((key, u) => {
    const to = DEMO_USERS[key].upn;
    const folders = ['inbox', 'inbox', 'Inbox/Projects', 'archive', 'sentitems'];
    plan.set(DEMO_USERS[key].id, Array.from({ length: 12 }, (_, i) => {
      const date = new Date(Date.UTC(2023, 5, 1) + (u * 12 + i) * 3600_000);
      return {
        folder: folders[i % folders.length]!, isRead: i % 4 !== 0, received: date.toISOString().replace(/\.\d+Z$/, 'Z'),
        source: bufferSource(syntheticMessage(u * 12 + i, `partner${i % 5}@fabrikam.example`, to, date), `demo:syn:${u}:${i}`),
      };
    }));
  });
  return plan;
}
