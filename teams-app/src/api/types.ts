/** Shapes of the admin API's answers (backend/src/http/routes); profile input comes from the backend's zod schema. */
import type { ProfileInput, Schedule } from '../../../backend/src/archiving/profile';
import type { ImportView } from '../../../backend/src/import/view';
import type { ImportNote } from '../../../backend/src/store/imports';
import type { CompletenessReport as BackendCompletenessReport, CompletenessRow as BackendCompletenessRow, FailedMessageView } from '../../../backend/src/archiving/report';
import type { Problem as IntegrityProblem, VerificationCounts } from '../../../backend/src/store/integrity-reports';
import type { Missing as BackendMissing } from '../../../backend/src/store/runs';
import type { Pace } from '../../../backend/src/archiving/pace';

export type { Pace, ProfileInput, Schedule };

export type Profile = ProfileInput & { id: string; createdAt: string; updatedAt: string };

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type MailboxStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'timed-out';

export interface Counts {
  found: number;
  archived: number;
  alreadyArchived: number;
  filtered: number;
  deleted: number;
  failed: number;
  /** Downloads that failed and were left owed for a retry. */
  deferred: number;
  /** Owed messages archived on a later attempt. */
  recovered: number;
  removedInMailbox: number;
  bytes: number;
}

/** A server type as JSON carries it: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** What a mailbox's (or a run's) archive lacks once its crawl ended. */
export type Missing = BackendMissing;
export type Verdict = CompletenessRow['verdict'];
export type CompletenessRow = Wire<BackendCompletenessRow>;
export type CompletenessReport = Wire<BackendCompletenessReport>;
export type FailedMessage = Wire<FailedMessageView>;

export interface Run {
  _id: string;
  profileId: string;
  profileName: string;
  trigger: 'manual' | 'schedule';
  status: RunStatus;
  error: string | null;
  mailboxCount: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunMailbox extends Counts {
  mailboxId: string;
  upn: string;
  /** Set on an online archive: the owner's primary mailbox id. */
  onlineArchiveOf?: string;
  status: MailboxStatus;
  currentFolder: string;
  foldersDone: number;
  foldersTotal: number;
  errorCount: number;
  recoveredErrors: number;
  recentErrors: { at: string; folder?: string; messageId?: string; subject?: string; reason: string; recovered?: boolean }[];
  missing: Missing | null;
  /** Messages a filter skipped that the run names (over the size limit). */
  recentSkips?: { at: string; folder?: string; messageId?: string; reason: string }[];
  skipCount?: number;
  pace: Pace;
}

export interface RunDetail extends Run {
  totals: Counts;
  missing: Missing;
  recoveredErrors: number;
  pace: Pace;
  mailboxes: RunMailbox[];
}

export interface ConnectionTest {
  ok: boolean;
  mailboxCount: number;
  checked: { upn: string; ok: boolean; error?: string }[];
  error?: string;
}

export interface ArchiveUser {
  _id: string;
  source: 'entra' | 'manual';
  kind: 'user' | 'shared' | 'room' | 'equipment' | 'catch-all' | 'manual' | 'group';
  upn: string;
  displayName: string;
  mail: string;
  addresses: string[];
  exchangeLicensed: boolean;
  status: 'active' | 'departed';
  departedAt: string | null;
  lastSyncedAt: string | null;
}

export interface DirectorySettings {
  licensedOnly: boolean;
  includeGroups: string[];
  excludeGroups: string[];
  syncGroups: boolean;
  grantGroupMembers: boolean;
  schedule: Schedule;
}

export interface DirectorySyncResult {
  seen: number;
  added: number;
  updated: number;
  departed: number;
  skipped: { upn: string; reason: string }[];
}

export type GrantRight = 'read' | 'export' | 'restore';

export interface Grant {
  id: string;
  grantee: { id: string; upn: string; displayName: string; kind: string };
  archive: { id: string; upn: string; displayName: string; kind: string };
  rights: GrantRight[];
  grantedBy: { oid: string; upn: string };
  grantedAt: string;
}

export interface Stats {
  storage: { items: number; itemBytes: number; messages: number; messageBytes: number; storedBytes: number; archiveUsers: number };
  singleInstance: { copies: number; stored: number; savedBytes: number; compressionSavedBytes: number };
  perDay: { date: string; count: number }[];
  runs: (Run & { totals: Counts; errorCount: number; recoveredErrors: number })[];
  attention: { runId: string; profileId: string; profileName: string; status: RunStatus; at: string; error: string | null; mailboxes: { upn: string; status: string; errorCount: number; lastError: string | null }[] }[];
  failedMessages: { count: number; recent: FailedMessage[] };
}

export interface JournalStatus {
  gateway: {
    enabled: boolean; host: string; port: number; tls: boolean; requireTls: boolean; auth: string; maxBytes: number; allowedHosts: string[];
    clientNames: string[];
    /** SMTP_INSECURE_ACCEPT_ANY is on and nothing checks who sends: anyone can file reports. */
    acceptsAnySender: boolean;
  };
  backlog: number;
  held: number;
  pending: number;
  quarantine: Record<'not-journal' | 'malformed', number>;
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
