/**
 * Shapes of the admin API's answers. Those the OpenAPI document describes are generated from it
 * (`npm run gen:api`, @shared/api.gen.ts); the rest still come from backend types or are written here.
 * Profile input comes from the backend's zod schema.
 */
import type { ProfileInput, Schedule } from '../../../backend/src/archiving/profile';
import type { Schema } from '@shared/types';

export type { ProfileInput, Schedule };
export type Pace = Schema<'Pace'>;

export type Profile = Schema<'Profile'>;

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

export type Verdict = CompletenessRow['verdict'];
export type CompletenessRow = Schema<'CompletenessRow'>;
export type CompletenessReport = Schema<'CompletenessReport'>;

export type DirectorySettings = Schema<'DirectorySettings'>;
/** A journal mailbox; `secret` only in the answer that created or replaced it. */
export type JournalMailbox = Schema<'JournalMailbox'>;
export type JournalProfile = Schema<'JournalProfile'>;

export type QuarantinedReport = Schema<'QuarantinedReport'>;

/** An import as the API sends it. */
export type ImportItem = Schema<'ImportItem'>;
export type ImportNoteItem = Schema<'ImportNote'>;
export type ImportSettings = Schema<'ImportSettings'>;
export type ImportSettingsSaved = Schema<'ImportSettingsSaved'>;
export type UploadStatus = Schema<'UploadStatus'>;
export type ImportSourceInput =
  | { kind: 'upload'; uploadId: string }
  | { kind: 'path'; path: string }
  | { kind: 'imap'; host: string; port: number; tls: 'implicit' | 'starttls' | 'none'; user: string; auth: 'password' | 'xoauth2'; folders: string[] };
/** GET /api/admin/reindex: the latest reindex of every archive, and the text caps in force. */
export type SearchIndexState = Schema<'SearchIndexState'>;

/** GET /api/admin/integrity: the ledger, the last verification and encryption. */
export type IntegrityStatus = Schema<'IntegrityStatus'>;
export type IntegrityProblem = Schema<'IntegrityProblem'>;
export type VerificationCounts = Schema<'VerificationCounts'>;
