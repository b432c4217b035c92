import { DEMO } from '../config';
import type { Tenant } from './model';

/** The backend's admin-consented Graph application permissions in the demo tenant. */
export const BACKEND_APP_ROLES = ['Mail.ReadWrite', 'User.Read.All', 'MailboxSettings.Read', 'Group.Read.All', 'Group-Conversation.Read.All', 'Chat.Read.All', 'ChannelMessage.Read.All'];

export function registerDemoApps(tenant: Tenant): void {
  tenant.apps.set(DEMO.backend.clientId, {
    clientId: DEMO.backend.clientId,
    displayName: 'M365 Archive Backend',
    servicePrincipalId: DEMO.backend.servicePrincipalId,
    secrets: [DEMO.backend.clientSecret],
    certificates: [],
    requestedAccessTokenVersion: 2,
    identifierUris: [],
    graphAppRoles: [...BACKEND_APP_ROLES],
    graphDelegated: ['User.Read', 'Mail.ReadWrite', 'MailboxSettings.Read', 'openid', 'profile', 'email', 'offline_access'],
    exposedScopes: ['access_as_user'],
    appRoles: ['Archive.Admin', 'Archive.Auditor'],
    spa: false,
  });
  tenant.apps.set(DEMO.spa.clientId, {
    clientId: DEMO.spa.clientId,
    displayName: 'M365 Archive (Outlook add-in and Teams tab)',
    servicePrincipalId: DEMO.spa.servicePrincipalId,
    secrets: [],
    certificates: [],
    requestedAccessTokenVersion: null,
    identifierUris: [],
    graphAppRoles: [],
    graphDelegated: ['User.Read', 'openid', 'profile', 'email', 'offline_access'],
    exposedScopes: [],
    appRoles: [],
    spa: true,
  });
}

interface Ids { id: string; upn: string }

export function registerDemoGroups(tenant: Tenant, u: Record<'admin' | 'megan' | 'alex' | 'lee' | 'diego', Ids>): void {
  const d = DEMO.domain;
  tenant.groups.set('1a2b3c4d-0000-4000-b000-000000000001', {
    group: {
      id: '1a2b3c4d-0000-4000-b000-000000000001',
      displayName: 'Archive Administrators',
      description: 'People who administer the mail archive',
      mailEnabled: false,
      mail: null,
      mailNickname: 'archive-admins',
      securityEnabled: true,
      groupTypes: [],
      proxyAddresses: [],
      visibility: null,
      createdDateTime: '2023-01-10T09:00:00Z',
    },
    memberIds: [u.admin.id],
    threads: [],
  });
  const m365 = '1a2b3c4d-0000-4000-b000-000000000002';
  tenant.groups.set(m365, {
    group: {
      id: m365,
      displayName: 'Project Falcon',
      description: 'Microsoft 365 group of the Falcon product launch',
      mailEnabled: true,
      mail: `falcon@${d}`,
      mailNickname: 'falcon',
      securityEnabled: false,
      groupTypes: ['Unified'],
      proxyAddresses: [`SMTP:falcon@${d}`, `smtp:falcon@${DEMO.initialDomain}`],
      visibility: 'Private',
      createdDateTime: '2023-04-02T09:00:00Z',
    },
    memberIds: [u.admin.id, u.megan.id, u.alex.id, u.lee.id],
    ownerIds: [u.megan.id],
    threads: [
      {
        id: 'AAQkADfalconThread01AAA=',
        topic: 'Launch checklist',
        posts: [
          post('AAMkADfalconPost0101AAA=', 'Megan Bowen', u.megan.upn, '2024-02-12T08:30:00Z', '<p>Here is the launch checklist draft.</p>'),
          post('AAMkADfalconPost0102AAA=', 'Lee Gu', u.lee.upn, '2024-02-12T10:05:00Z', '<p>Manufacturing can ship on the 20th.</p>'),
        ],
      },
      {
        id: 'AAQkADfalconThread02AAA=',
        topic: 'Press release wording',
        posts: [
          {
            ...post('AAMkADfalconPost0201AAA=', 'Alex Wilber', u.alex.upn, '2024-02-14T14:00:00Z', '<p>Second draft attached, comments welcome.</p>'),
            attachments: [{ id: 'AAMkADfalconAtt0201AAA=', name: 'press-release-v2.txt', contentType: 'text/plain', contentBytes: Buffer.from('Falcon ships on 20 February. Quote from Megan Bowen, product lead.\r\n').toString('base64') }],
          },
        ],
      },
    ],
  });
  registerSalesGroup(tenant, u);
}

/** A second Microsoft 365 group, that Diego owns and Megan is no member of. */
function registerSalesGroup(tenant: Tenant, u: Record<'alex' | 'diego', Ids>): void {
  const id = '1a2b3c4d-0000-4000-b000-000000000003';
  tenant.groups.set(id, {
    group: {
      id,
      displayName: 'Sales EMEA',
      description: 'Microsoft 365 group of the EMEA sales team',
      mailEnabled: true,
      mail: `sales-emea@${DEMO.domain}`,
      mailNickname: 'sales-emea',
      securityEnabled: false,
      groupTypes: ['Unified'],
      proxyAddresses: [`SMTP:sales-emea@${DEMO.domain}`],
      visibility: 'Private',
      createdDateTime: '2023-05-11T09:00:00Z',
    },
    memberIds: [u.diego.id, u.alex.id],
    ownerIds: [u.diego.id],
    threads: [
      {
        id: 'AAQkADsalesThread01AAA=',
        topic: 'Q1 pipeline — Nordics',
        posts: [post('AAMkADsalesPost0101AAA=', 'Diego Siciliani', u.diego.upn, '2024-03-04T09:15:00Z', '<p>Nordics pipeline is at 1.2 M€, two deals in negotiation.</p>')],
      },
    ],
  });
}

function post(id: string, name: string, address: string, receivedDateTime: string, content: string) {
  return { id, from: { name, address }, receivedDateTime, content };
}
