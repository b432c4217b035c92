/**
 * Shapes of the admin API's answers. Those the OpenAPI document describes are generated from it
 * (`npm run gen:api`, @shared/api.gen.ts); the rest still come from backend types or are written here.
 * Profile input comes from the backend's zod schema.
 */
import type { ProfileInput, Schedule } from '../../../backend/src/archiving/profile';
import type { ImportView } from '../../../backend/src/import/view';
import type { ImportNote } from '../../../backend/src/store/imports';
import type { CompletenessReport as BackendCompletenessReport, CompletenessRow as BackendCompletenessRow } from '../../../backend/src/archiving/report';
import type { Problem as IntegrityProblem, VerificationCounts } from '../../../backend/src/store/integrity-reports';
import type { Schema } from '@shared/types';

export type { ProfileInput, Schedule };
export type Pace = Schema<'Pace'>;

export type Profile = ProfileInput & { id: string; createdAt: string; updatedAt: string };

export type RunStatus = Schema<'RunStatus'>;
export type MailboxStatus = Schema<'MailboxStatus'>;
export type Counts = Schema<'Counts'>;
export type Run = Schema<'Run'>;
export type RunMailbox = Schema<'RunMailbox'>;
export type RunDetail = Schema<'RunDetail'>;
/** What a mailbox's (or a run's) archive lacks once its crawl ended. */
export type Missing = Schema<'Missing'>;
export type FailedMessage = Schema<'FailedMessage'>;
export type ConnectionTest = Schema<'ConnectionTest'>;
export type ArchiveUser = Schema<'ArchiveUser'>;
export type DirectorySyncResult = Schema<'DirectorySyncResult'>;
export type GrantRight = Schema<'GrantRight'>;
export type Grant = Schema<'Grant'>;
export type Stats = Schema<'Stats'>;
export type JournalStatus = Schema<'JournalStatus'>;
export type OperationsOverview = Schema<'OperationsOverview'>;

/** A server type as JSON carries it: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export type Verdict = CompletenessRow['verdict'];
export type CompletenessRow = Wire<BackendCompletenessRow>;
export type CompletenessReport = Wire<BackendCompletenessReport>;

export interface DirectorySettings {
  licensedOnly: boolean;
  includeGroups: string[];
  excludeGroups: string[];
  syncGroups: boolean;
  grantGroupMembers: boolean;
  schedule: Schedule;
}

export interface JournalMailbox {
  address: string;
  description: string;
  createdAt: string;
  /** Only in the answer that created or replaced it: shown once, never stored in clear. */
  secret?: string;
}

export interface JournalProfile {
  id: string;
  name: string;
  mailbox: string;
  unknownAddresses: 'ignore' | 'catch-all' | 'create-at-sync';
  catchAllArchiveId: string | null;
  syncDirectoryFirst: boolean;
  internalDomains: string[];
  enabled: boolean;
}

export interface QuarantinedReport {
  _id: string;
  kind: 'not-journal' | 'malformed';
  mailbox: string;
  reason: string;
  receivedAt: string;
  quarantinedAt: string;
  subject: string;
  from: string;
}

/** An import as the API sends it (dates as strings). */
export type ImportItem = Omit<ImportView, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string | null };
export type ImportNoteItem = Omit<ImportNote, '_id' | 'importId' | 'at'> & { at: string };
export interface ImportSettings {
  usersMayImportPst: boolean;
  maxUploadBytes: number;
  allowedFolders?: string[];
}
export interface UploadStatus {
  id: string;
  name: string;
  size: number;
  received: number;
}
export type ImportSourceInput =
  | { kind: 'upload'; uploadId: string }
  | { kind: 'path'; path: string }
  | { kind: 'imap'; host: string; port: number; tls: 'implicit' | 'starttls' | 'none'; user: string; auth: 'password' | 'xoauth2'; folders: string[] };
/** GET /api/admin/reindex: the latest reindex of every archive, and the text caps in force. */
export interface SearchIndexState {
  reindex: {
    id: string;
    status: 'running' | 'succeeded' | 'failed' | 'cancelled';
    parserVersion: number;
    startedAt: string;
    finishedAt: string | null;
    done: number;
    total: number;
    cut: number;
    archives: { total: number; done: number; failed: number };
    errors: { archiveId: string; message: string }[];
  } | null;
  limits: { maxBodyChars: number; maxAttachmentTextChars: number };
}

/** GET /admin/integrity (backend/src/integrity/service.ts `integrityStatus`), dates as strings. */
export interface IntegrityStatus {
  ledger: {
    entries: number;
    queued: number;
    roots: number;
    timestamped: number;
    lastRoot: { id: number; fromSeq: number; toSeq: number; period: string; root: string; genTime: string | null; tsaError: string | null } | null;
    tsa: { configured: boolean; url: string | null };
  };
  lastVerification: { _id: string; startedAt: string; finishedAt: string; resumed: number; counts: VerificationCounts; problems: IntegrityProblem[] } | null;
  runningVerification: { jobId: string; startedAt: string; phase: string; counts: VerificationCounts } | null;
  encryption: {
    enabled: boolean;
    enabledAt: string | null;
    masterKeyConfigured: boolean;
    masterKeyId: string | null;
    currentDataKey: string | null;
    dataKeys: number;
    reencryption: { jobId: string; status: string; progress: { position: number; total: number; rewritten: number; current: number; large: number; missing: number } | null; error: { message: string } | null } | null;
  };
}
export type { IntegrityProblem, VerificationCounts };
