import { createSender, filenameOf, type Download, type TokenSource } from '@shared/api';
import type { Me } from '@shared/types';
import type {
  ArchiveUser, CompletenessReport, ConnectionTest, DirectorySettings, DirectorySyncResult, FailedMessage, Grant, GrantRight, JournalMailbox, JournalProfile,
  ImportItem, ImportNoteItem, ImportSettings, ImportSettingsSaved, ImportSourceInput, IntegrityStatus, JournalStatus, Profile, ProfileInput, QuarantinedReport, Run, RunDetail,
  OperationsOverview, SearchIndexState, Stats,
  UploadStatus,
} from './types';
import type {
  CaseDetail, CaseSummary, Certificate, DisposalLogEntry, DisposalRun, Erasure, ErasureDetail, HoldDraft, LegalHold, Policy, PolicyChange, PolicyRules, Preview,
  RetentionSettings, SearchPage,
} from './compliance-types';

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
  const download = async (path: string, body: Body, fallback: string): Promise<Download> => {
    const res = await send('POST', path, { body });
    return { blob: await res.blob(), filename: filenameOf(res.headers.get('content-disposition')) ?? fallback };
  };
  const caseUrl = (cid: string) => `/compliance/cases/${id(cid)}`;

  return {
    me: () => call<Me>('GET', '/me'),
    stats: () => call<Stats>('GET', '/admin/stats'),
    operations: () => call<OperationsOverview>('GET', '/admin/operations'),
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
    createJournalProfile: (p: Omit<JournalProfile, 'id' | 'createdAt' | 'updatedAt'>) => call<JournalProfile>('POST', '/admin/journal/profiles', p),
    setJournalProfileEnabled: (pid: string, enabled: boolean) => call<JournalProfile>('PATCH', `/admin/journal/profiles/${id(pid)}`, { enabled }),
    deleteJournalProfile: (pid: string) => call<void>('DELETE', `/admin/journal/profiles/${id(pid)}`),
    quarantine: () => list<QuarantinedReport>('/admin/journal/quarantine'),
    deleteQuarantined: (qid: string) => call<void>('DELETE', `/admin/journal/quarantine/${id(qid)}`),

    policies: () => list<Policy>('/admin/retention/policies'),
    previewPolicy: (policyId: string | null, rules: PolicyRules | null) => call<Preview>('POST', '/admin/retention/preview', { policyId, rules } as Body),
    createPolicy: (rules: PolicyRules) => call<PolicyChange>('POST', '/admin/retention/policies', { rules } as Body),
    replacePolicy: (pid: string, rules: PolicyRules) => call<PolicyChange>('PUT', `/admin/retention/policies/${id(pid)}`, { rules } as Body),
    removePolicy: (pid: string) => call<PolicyChange>('DELETE', `/admin/retention/policies/${id(pid)}`),
    approvePolicy: (pid: string) => call<{ policy: Policy | null }>('POST', `/admin/retention/policies/${id(pid)}/approve`),
    rejectPolicy: (pid: string) => call<{ policy: Policy | null }>('POST', `/admin/retention/policies/${id(pid)}/reject`),
    retentionSettings: () => call<RetentionSettings>('GET', '/admin/retention/settings'),
    saveRetentionSettings: (s: RetentionSettings) => call<RetentionSettings>('PUT', '/admin/retention/settings', s as unknown as Body),
    runDisposal: () => call<{ jobId: string }>('POST', '/admin/retention/disposal'),
    disposalRuns: () => list<DisposalRun>('/admin/retention/disposal'),
    disposalLog: () => list<DisposalLogEntry>('/compliance/disposals?limit=50'),

    holds: () => list<LegalHold>('/compliance/holds'),
    hold: (hid: string) => call<LegalHold & { messages: number }>('GET', `/compliance/holds/${id(hid)}`),
    setHold: (h: HoldDraft) => call<LegalHold>('POST', '/compliance/holds', h as unknown as Body),
    liftHold: (hid: string, reason: string) => call<LegalHold>('POST', `/compliance/holds/${id(hid)}/lift`, { reason }),

    erasures: () => list<Erasure>('/admin/erasure-requests'),
    erasure: (eid: string) => call<ErasureDetail>('GET', `/admin/erasure-requests/${id(eid)}`),
    fileErasure: (r: { addresses: string[]; from: string | null; to: string | null; reason: string }) => call<Erasure>('POST', '/admin/erasure-requests', r),
    approveErasure: (eid: string) => call<Erasure>('POST', `/admin/erasure-requests/${id(eid)}/approve`),
    rejectErasure: (eid: string, reason: string) => call<Erasure>('POST', `/admin/erasure-requests/${id(eid)}/reject`, { reason }),
    certificate: (eid: string) => call<Certificate>('GET', `/admin/erasure-requests/${id(eid)}/certificate`),

    cases: () => list<CaseSummary>('/compliance/cases'),
    case: (cid: string) => call<CaseDetail>('GET', caseUrl(cid)),
    openCase: (c: { name: string; description: string }) => call<CaseSummary>('POST', '/compliance/cases', c),
    saveSearch: (cid: string, s: { name: string; query: string }) => call<CaseSummary>('POST', `${caseUrl(cid)}/searches`, s),
    caseResults: (cid: string, sid: string, cursor?: string) => call<SearchPage>('GET', `${caseUrl(cid)}/searches/${id(sid)}/results?limit=50${cursor ? `&cursor=${id(cursor)}` : ''}`),
    tag: (cid: string, items: string[], tag: string) => call<{ tagged: number }>('POST', `${caseUrl(cid)}/tags`, { items, tag }),
    holdSearch: (cid: string, h: { searchId: string; name: string; reason: string }) => call<LegalHold>('POST', `${caseUrl(cid)}/holds`, h),
    exportCase: (cid: string, selection: { searchId: string } | { tag: string }) => download(`${caseUrl(cid)}/exports`, selection, 'case-export.zip'),
    importSettings: () => call<ImportSettings>('GET', '/imports/settings'),
    saveImportSettings: (s: { usersMayImportPst: boolean }) => call<ImportSettingsSaved>('PUT', '/imports/settings', s),
    startUpload: (name: string, size: number) => call<UploadStatus>('POST', '/imports/uploads', { name, size }),
    uploadStatus: (uid: string) => call<UploadStatus>('GET', `/imports/uploads/${id(uid)}`),
    uploadChunk: async (uid: string, offset: number, chunk: Blob) =>
      (await (await send('PATCH', `/imports/uploads/${id(uid)}`, { raw: chunk, headers: { 'upload-offset': String(offset) } })).json()) as UploadStatus,
    imports: () => list<ImportItem>('/imports'),
    createImport: (i: { archive: string; source: ImportSourceInput; secret?: string; options?: { folderPrefix: string } }) => call<ImportItem>('POST', '/imports', i),
    controlImport: (iid: string, action: 'pause' | 'resume' | 'cancel') => call<ImportItem>('POST', `/imports/${id(iid)}/${action}`),
    integrity: () => call<IntegrityStatus>('GET', '/admin/integrity'),
    verifyNow: () => call<{ jobId: string }>('POST', '/admin/integrity/verify'),
    sealNow: (opts: { stampLate?: boolean } = {}) => call<{ appended: number; rootsClosed: number; stamped: number; late: number }>('POST', '/admin/integrity/seal', opts),
    setEncryption: (enabled: boolean) => call<IntegrityStatus['encryption']>('PUT', '/admin/integrity/encryption', { enabled }),
    rotateDataKey: () => call<IntegrityStatus['encryption']>('POST', '/admin/integrity/encryption/rotate'),
    reencrypt: () => call<{ jobId: string }>('POST', '/admin/integrity/encryption/reencrypt'),
    proof: (messages: { archiveId: string; id: string }[]) => call<unknown>('POST', '/admin/integrity/proof', { messages }),
    importNotes: (iid: string) => list<ImportNoteItem>(`/imports/${id(iid)}/notes?limit=200`),
  };
}

export type AdminClient = ReturnType<typeof createAdminClient>;
