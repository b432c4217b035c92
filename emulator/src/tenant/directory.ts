import type { Group, User } from '@microsoft/microsoft-graph-types';
import { graphDate } from './mime';

export type UserPurpose = 'user' | 'shared' | 'room' | 'equipment';

export interface UserRecord {
  user: User & { id: string; userPrincipalName: string };
  /** null: the user has no Exchange Online mailbox (guests, unlicensed service accounts). */
  userPurpose: UserPurpose | null;
  /** Values of the backend API's app roles assigned to this user (e.g. Archive.Admin). */
  appRoles: string[];
  /** Directory change sequence of the last change, for /users/delta. */
  seq: number;
  /** The online archive's `MBX:` id, when the user has one (Tenant.enableArchive). */
  archiveMailboxId?: string;
}

export interface PostAttachmentRecord {
  id: string;
  name: string;
  contentType: string;
  /** The file's bytes, base64 (a fileAttachment's contentBytes). */
  contentBytes: string;
}

export interface PostRecord {
  id: string;
  from: { name: string; address: string };
  receivedDateTime: string;
  content: string;
  attachments?: PostAttachmentRecord[];
}

export interface ThreadRecord {
  id: string;
  topic: string;
  posts: PostRecord[];
}

export interface GroupRecord {
  group: Group & { id: string };
  memberIds: string[];
  /** Owners (GET /groups/{id}/owners); absent: none recorded. */
  ownerIds?: string[];
  threads: ThreadRecord[];
}

export interface AppRegistration {
  clientId: string;
  displayName: string;
  servicePrincipalId: string;
  /** Non-empty for confidential clients. */
  secrets: string[];
  /** PEM certificates registered as credentials (keyCredentials): client assertions signed with their keys authenticate the app. */
  certificates: string[];
  /**
   * `api.requestedAccessTokenVersion` of the app manifest: the version of the access tokens issued
   * for this app as an API. null and 1 give v1.0 tokens, 2 gives v2.0 tokens
   * (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#token-formats).
   */
  requestedAccessTokenVersion: 1 | 2 | null;
  /** Application ID URIs besides `api://{clientId}` (e.g. `api://host/{clientId}` for Teams SSO). */
  identifierUris: string[];
  /** Application permissions on Graph granted with admin consent (the `roles` of app-only tokens). */
  graphAppRoles: string[];
  /** Delegated Graph permissions granted tenant-wide (the `scp` of OBO / delegated tokens). */
  graphDelegated: string[];
  /** Scopes this app exposes as an API (its App ID URI is api://{clientId}). */
  exposedScopes: string[];
  /** App roles this app defines, by value. */
  appRoles: string[];
  /** Public clients (SPA) redeem codes only with PKCE and from a browser origin. */
  spa: boolean;
}

/** Exchange Online Plan 2 inside an Office 365 E3 licence: what makes a user "licensed for Exchange". */
export const E3_SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const EXCHANGE_PLAN = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
const SHAREPOINT_PLAN = '5dbe027f-2339-4123-9542-606e4d348a72';

export interface NewUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  aliases?: string[];
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  department?: string;
  licensed?: boolean;
  accountEnabled?: boolean;
  userType?: 'Member' | 'Guest';
  userPurpose?: UserPurpose | null;
  appRoles?: string[];
  createdDateTime?: string;
}

export function buildUser(input: NewUser): UserRecord {
  const mail = input.mail === undefined ? input.userPrincipalName : input.mail;
  const licensed = input.licensed ?? false;
  const assignedDateTime = input.createdDateTime ?? '2023-01-09T10:00:00Z';
  const proxyAddresses = mail ? [`SMTP:${mail}`, ...(input.aliases ?? []).map((a) => `smtp:${a}`)] : [];
  return {
    user: {
      id: input.id,
      displayName: input.displayName,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      userPrincipalName: input.userPrincipalName,
      mail,
      mailNickname: (mail ?? input.userPrincipalName).split('@')[0],
      proxyAddresses,
      accountEnabled: input.accountEnabled ?? true,
      userType: input.userType ?? 'Member',
      jobTitle: input.jobTitle ?? null,
      department: input.department ?? null,
      officeLocation: null,
      businessPhones: [],
      mobilePhone: null,
      preferredLanguage: 'en-US',
      usageLocation: licensed ? 'US' : null,
      createdDateTime: input.createdDateTime ?? graphDate(new Date()),
      assignedLicenses: licensed ? [{ skuId: E3_SKU, disabledPlans: [] }] : [],
      assignedPlans: licensed
        ? [
            { assignedDateTime, capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: EXCHANGE_PLAN },
            { assignedDateTime, capabilityStatus: 'Enabled', service: 'SharePoint', servicePlanId: SHAREPOINT_PLAN },
          ]
        : [],
    },
    userPurpose: input.userPurpose === undefined ? (licensed ? 'user' : null) : input.userPurpose,
    appRoles: input.appRoles ?? [],
    seq: 0,
  };
}
