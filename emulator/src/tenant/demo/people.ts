import { DEMO } from '../../config';
import type { NewUser } from '../directory';
import type { Person } from './compose';

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

export type DemoKey = keyof typeof DEMO_USERS;
/** Mailboxes that hold mail in the demo. */
export const STAFF = ['admin', 'megan', 'alex', 'lee', 'diego'] as const;
export type StaffKey = (typeof STAFF)[number];

const person = (key: DemoKey, given: string, sur: string, extra: Partial<NewUser> = {}): NewUser => {
  const { id, upn } = DEMO_USERS[key];
  const local = upn.split('@')[0]!;
  return {
    id, userPrincipalName: upn, displayName: `${given} ${sur}`, givenName: given, surname: sur, licensed: true,
    aliases: [`${given[0]!.toLowerCase()}${sur.toLowerCase()}@${D}`, `${local}@${DEMO.initialDomain}`],
    createdDateTime: '2023-01-09T10:00:00Z', ...extra,
  };
};

export const PEOPLE: NewUser[] = [
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

/** How the demo's mail names each person (staff, the shared mailbox and people outside the tenant). */
export const P = {
  admin: { name: 'Adele Vance', address: DEMO_USERS.admin.upn },
  megan: { name: 'Megan Bowen', address: DEMO_USERS.megan.upn },
  alex: { name: 'Alex Wilber', address: DEMO_USERS.alex.upn },
  lee: { name: 'Lee Gu', address: DEMO_USERS.lee.upn },
  diego: { name: 'Diego Siciliani', address: DEMO_USERS.diego.upn },
  shared: { name: 'Contoso Info', address: DEMO_USERS.shared.upn },
  room: { name: 'Conference Room Rainier', address: DEMO_USERS.room.upn },
  falcon: { name: 'Project Falcon', address: `falcon@${D}` },
  news: { name: 'Contoso Communications', address: `news@${D}` },
  pradeep: { name: 'Pradeep Gupta', address: 'pradeep@fabrikam.example' },
  klaus: { name: 'Klaus Berger', address: 'klaus.berger@fabrikam.example' },
  yuki: { name: '田中 由紀', address: 'yuki.tanaka@tailspin.example' },
  sofia: { name: 'Sofía Romero', address: 'sofia.romero@northwind.example' },
  camille: { name: 'Camille Laurent', address: 'camille.laurent@northwind.example' },
  olena: { name: 'Олена Коваленко', address: 'olena.kovalenko@litware.example' },
  amira: { name: 'أميرة حداد', address: 'amira.haddad@adatum.example' },
  wei: { name: '张伟', address: 'zhang.wei@wingtip.example' },
  nikos: { name: 'Νίκος Παπαδόπουλος', address: 'nikos.papadopoulos@litware.example' },
  digest: { name: 'Fabrikam Product Digest', address: 'digest@fabrikam.example' },
  spam: { name: 'Prize Department', address: 'winner@lucky-draw.example' },
} satisfies Record<string, Person>;
