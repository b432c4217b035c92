import { createSender, type TokenSource } from '@shared/api';
import type { Me } from '@shared/types';
import type {
  ArchiveUser, CompletenessReport, ConnectionTest, DirectorySettings, DirectorySyncResult, FailedMessage, Grant, GrantRight, JournalMailbox, JournalProfile,
  ImportItem, ImportNoteItem, ImportSettings, ImportSourceInput, IntegrityStatus, JournalStatus, Profile, ProfileInput, QuarantinedReport, Run, RunDetail,
  SearchIndexState, Stats,
  UploadStatus,
} from './types';

type Body = Record<string, unknown> | unknown[];

/** The admin API on the add-in's request code: its ApiError lets forms show `field` next to the input it names. */
export function createAdminClient(getToken: TokenSource, base = '/api') {
  const send = createSender(getToken, base);
  async function call<T>(method: string, path: string, body?: Body): Promise<T> {
    const res = await send(method, path, { body });
    if (res.status === 204) return undefined as T;
    return (await res.json().catch(() => null)) as T;
  }
  const list = async <T>(path: string) => (await call<{ value: T[] }>('GET', path)).value;
  const id = encodeURIComponent;

  return {
    me: () => call<Me>('GET', '/me'),
    stats: () => call<Stats>('GET', '/admin/stats'),
    searchIndex: () => call<SearchIndexState>('GET', '/admin/reindex'),
    startReindex: () => call<SearchIndexState>('POST', '/admin/reindex'),

    profiles: () => list<Profile>('/admin/profiles'),
    profile: (pid: string) => call<Profile>('GET', `/admin/profiles/${id(pid)}`),
    createProfile: (p: ProfileInput) => call<Profile>('POST', '/admin/profiles', p),
    replaceProfile: (pid: string, p: ProfileInput) => call<Profile>('PUT', `/admin/profiles/${id(pid)}`, p),
    setEnabled: (pid: string, enabled: boolean) => call<Profile>('PATCH', `/admin/profiles/${id(pid)}`, { enabled }),
    deleteProfile: (pid: string) => call<void>('DELETE', `/admin/profiles/${id(pid)}`),
    testProfile: (pid: string) => call<ConnectionTest>('POST', `/admin/profiles/${id(pid)}/test`),
    runProfile: (pid: string) => call<{ _id: string }>('POST', `/admin/profiles/${id(pid)}/run`),
    runs: (profileId?: string) => list<Run>(`/admin/runs${profileId ? `?profileId=${id(profileId)}` : ''}`),
    run: (rid: string) => call<RunDetail>('GET', `/admin/runs/${id(rid)}`),
    cancelRun: (rid: string) => call<{ cancelled: boolean }>('POST', `/admin/runs/${id(rid)}/cancel`),

    /** The newest completeness report (of one profile's runs), or that of one run. */
    completeness: (target: { profileId?: string; runId?: string } = {}) =>
      call<CompletenessReport>('GET', target.runId ? `/admin/runs/${id(target.runId)}/completeness` : `/admin/completeness${target.profileId ? `?profileId=${id(target.profileId)}` : ''}`),
    failedMessages: () => list<FailedMessage>('/admin/failed-messages'),
    retryFailed: (fid: string) => call<{ runId: string }>('POST', `/admin/failed-messages/${id(fid)}/retry`),

    directorySettings: () => call<DirectorySettings>('GET', '/admin/directory/settings'),
    saveDirectorySettings: (s: DirectorySettings) => call<DirectorySettings>('PUT', '/admin/directory/settings', s as unknown as Body),
    syncDirectory: () => call<DirectorySyncResult>('POST', '/admin/directory/sync'),
    users: (status?: 'active' | 'departed') => list<ArchiveUser>(`/admin/directory/users${status ? `?status=${status}` : ''}`),
    addUser: (u: { upn: string; displayName: string; addresses: string[]; kind: 'manual' | 'catch-all' }) => call<ArchiveUser>('POST', '/admin/directory/users', u),

    grants: () => list<Grant>('/admin/grants'),
    grant: (g: { grantee: string; archive: string; rights: GrantRight[] }) => call<Grant>('POST', '/admin/grants', g),
    revoke: (grantee: string, archive: string) => call<void>('DELETE', `/admin/grants?grantee=${id(grantee)}&archive=${id(archive)}`),

    journalStatus: () => call<JournalStatus>('GET', '/admin/journal/status'),
    journalMailboxes: () => list<JournalMailbox>('/admin/journal/mailboxes'),
    createJournalMailbox: (m: { address: string; description: string }) => call<JournalMailbox>('POST', '/admin/journal/mailboxes', m),
    replaceJournalSecret: (address: string) => call<JournalMailbox>('POST', `/admin/journal/mailboxes/${id(address)}/secret`),
    deleteJournalMailbox: (address: string) => call<void>('DELETE', `/admin/journal/mailboxes/${id(address)}`),
    journalProfiles: () => list<JournalProfile>('/admin/journal/profiles'),
    createJournalProfile: (p: Omit<JournalProfile, 'id'>) => call<JournalProfile>('POST', '/admin/journal/profiles', p),
    setJournalProfileEnabled: (pid: string, enabled: boolean) => call<JournalProfile>('PATCH', `/admin/journal/profiles/${id(pid)}`, { enabled }),
    deleteJournalProfile: (pid: string) => call<void>('DELETE', `/admin/journal/profiles/${id(pid)}`),
    quarantine: () => list<QuarantinedReport>('/admin/journal/quarantine'),
    deleteQuarantined: (qid: string) => call<void>('DELETE', `/admin/journal/quarantine/${id(qid)}`),

    importSettings: () => call<ImportSettings>('GET', '/imports/settings'),
    saveImportSettings: (s: { usersMayImportPst: boolean }) => call<ImportSettings>('PUT', '/imports/settings', s),
    startUpload: (name: string, size: number) => call<UploadStatus>('POST', '/imports/uploads', { name, size }),
    uploadStatus: (uid: string) => call<UploadStatus>('GET', `/imports/uploads/${id(uid)}`),
    uploadChunk: async (uid: string, offset: number, chunk: Blob) =>
      (await (await send('PATCH', `/imports/uploads/${id(uid)}`, { raw: chunk, headers: { 'upload-offset': String(offset) } })).json()) as UploadStatus,
    imports: () => list<ImportItem>('/imports'),
    createImport: (i: { archive: string; source: ImportSourceInput; secret?: string; options?: { folderPrefix: string } }) => call<ImportItem>('POST', '/imports', i),
    controlImport: (iid: string, action: 'pause' | 'resume' | 'cancel') => call<ImportItem>('POST', `/imports/${id(iid)}/${action}`),
    integrity: () => call<IntegrityStatus>('GET', '/admin/integrity'),
    verifyNow: () => call<{ jobId: string }>('POST', '/admin/integrity/verify'),
    sealNow: () => call<{ appended: number; rootsClosed: number; stamped: number }>('POST', '/admin/integrity/seal'),
    setEncryption: (enabled: boolean) => call<IntegrityStatus['encryption']>('PUT', '/admin/integrity/encryption', { enabled }),
    rotateDataKey: () => call<IntegrityStatus['encryption']>('POST', '/admin/integrity/encryption/rotate'),
    reencrypt: () => call<{ jobId: string }>('POST', '/admin/integrity/encryption/reencrypt'),
    proof: (messages: { archiveId: string; id: string }[]) => call<unknown>('POST', '/admin/integrity/proof', { messages }),
    importNotes: (iid: string) => list<ImportNoteItem>(`/imports/${id(iid)}/notes?limit=200`),
  };
}

export type AdminClient = ReturnType<typeof createAdminClient>;
