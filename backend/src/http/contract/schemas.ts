import { z } from 'zod';
import { profileInputSchema } from '../../archiving/profile';
import { directorySettingsSchema } from '../../directory/settings';
import { journalProfileInputSchema } from '../../journal/profile';
import { settingsInput as retentionSettingsInput } from '../../retention/settings';
import { policyRules } from '../../retention/rules';
import { PROBLEM_KINDS } from '../../store/integrity-reports';

/**
 * The shapes of the API's JSON answers as they travel (dates as ISO strings): the source of the
 * OpenAPI document's components and, through it, of the add-in's and the Teams tab's types
 * (`npm run gen:api`). Each is registered under the name the UIs use.
 */
export const wire = z.registry<{ id: string; description?: string }>();
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T => {
  wire.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};
const date = z.string().describe('ISO 8601 date-time');
const nullableDate = date.nullable();

export const Me = named('Me', z.object({ oid: z.string(), upn: z.string(), name: z.string(), roles: z.array(z.string()) }));

export const Archive = named(
  'Archive',
  z.object({
    id: z.string(),
    displayName: z.string(),
    upn: z.string(),
    mail: z.string(),
    kind: z.string(),
    status: z.string(),
    own: z.boolean().describe("The caller's own archive."),
    onlineArchive: z.boolean().describe('The person has an online archive (In-Place Archive) a restore may go back into.'),
    rights: z.array(z.enum(['read', 'export', 'restore'])),
  }),
);
export const ArchiveList = named('ArchiveList', z.object({ value: z.array(Archive) }));

export const Address = named('Address', z.object({ name: z.string().optional(), address: z.string().optional() }));
export const Highlight = named('Highlight', z.object({ start: z.number(), end: z.number() }));

export const SearchHit = named(
  'SearchHit',
  z.object({
    id: z.string(),
    archiveId: z.string(),
    subject: z.string(),
    from: Address,
    date: z.string(),
    folder: z.string(),
    size: z.number(),
    hasAttachments: z.boolean(),
    snippet: z.string(),
    highlights: z.array(Highlight),
    subjectHighlights: z.array(Highlight).optional().describe('The words of the subject the query looks for.'),
  }),
);
export const SearchPage = named('SearchPage', z.object({ value: z.array(SearchHit), total: z.number(), totalIsEstimate: z.boolean(), nextCursor: z.string().nullable() }));

const facetCount = <T extends z.ZodType>(value: T) => z.object({ value, count: z.number() });
export const Facets = named(
  'Facets',
  z.object({
    total: z.number(),
    folders: z.array(facetCount(z.string())),
    years: z.array(facetCount(z.number())),
    hasAttachment: z.number(),
    senders: z.array(facetCount(z.string()).extend({ name: z.string() })),
    sendersSampled: z.number().describe('Senders are counted among this many newest results.'),
  }),
  "A search's counts by folder, year, attachment and sender.",
);
export const Conversation = named('Conversation', z.object({ value: z.array(SearchHit), more: z.boolean() }), "A message's thread, oldest first.");

export const NestedAttachment = named(
  'NestedAttachment',
  z.object({
    filename: z.string(),
    contentType: z.string(),
    size: z.number(),
    inline: z.boolean(),
    get attachments() {
      return z.array(NestedAttachment).optional();
    },
  }),
);
export const AttachmentInfo = named(
  'AttachmentInfo',
  z.object({
    index: z.number(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number(),
    inline: z.boolean(),
    contentId: z.string().nullable(),
    attachments: z.array(NestedAttachment).optional().describe('What an attached message holds: listed, found by `filename:`, downloaded with the message.'),
  }),
);

export const MessageDetail = named(
  'MessageDetail',
  z.object({
    id: z.string(),
    archiveId: z.string(),
    folder: z.string(),
    receivedAt: z.string(),
    size: z.number(),
    sha256: z.string(),
    headers: z.object({
      from: z.array(Address),
      to: z.array(Address),
      cc: z.array(Address),
      bcc: z.array(Address),
      replyTo: z.array(Address),
      date: z.string().nullable(),
      dateInferred: z.boolean().optional().describe("`date` is not the Date header (missing or unreadable) but the first server's Received date."),
      subject: z.string(),
      messageId: z.string().nullable(),
    }),
    attachments: z.array(AttachmentInfo),
    text: z.string(),
    html: z.string().nullable().describe('Sanitised by the backend; null when the message has no HTML body.'),
    blockedRemote: z.number().describe('Remote images and styles the sanitiser left out; the view shows them on request.'),
    textTruncated: z.boolean().optional().describe('Some text of the message is not searchable; `textCuts` says what.'),
    textCuts: z.array(z.string()).optional(),
    parseErrors: z.array(z.string()),
  }),
);

export const HoldStatus = named(
  'HoldStatus',
  z.object({ held: z.boolean(), holds: z.array(z.object({ name: z.string(), since: z.string(), until: z.string().nullable() })) }),
  'Whether a message is under a legal hold the caller may know of.',
);

export const RunStatus = named('RunStatus', z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled']));
export const MailboxStatus = named('MailboxStatus', z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'timed-out']));

export const Counts = named(
  'Counts',
  z.object({
    found: z.number(),
    archived: z.number(),
    alreadyArchived: z.number(),
    filtered: z.number(),
    deleted: z.number(),
    failed: z.number(),
    deferred: z.number().describe('Downloads that failed and were left owed for a retry.'),
    recovered: z.number().describe('Owed messages archived on a later attempt.'),
    removedInMailbox: z.number(),
    bytes: z.number(),
  }),
);

export const Run = named(
  'Run',
  z.object({
    _id: z.string(),
    profileId: z.string(),
    profileName: z.string(),
    trigger: z.enum(['manual', 'schedule']),
    status: RunStatus,
    error: z.string().nullable().optional().describe('Why the run failed as a whole; absent or null when it did not.'),
    mailboxCount: z.number(),
    createdAt: date,
    startedAt: nullableDate.optional().describe('Absent while the run is queued.'),
    finishedAt: nullableDate.optional().describe('Absent while the run is queued.'),
    jobId: z.string().nullable().optional(),
    settings: z.unknown().optional().describe('The profile as it was when the run started.'),
    directorySync: z.unknown().optional().describe('What the directory synchronisation before the run found, when the profile asks for one.'),
  }),
);
export const RunList = named('RunList', z.object({ value: z.array(Run) }));

export const Missing = named(
  'Missing',
  z.object({
    owed: z.number().describe('Messages owed: downloads waiting for a retry.'),
    failed: z.number().describe('Messages failed for good.'),
    incompleteFolders: z.number().describe('Folders whose crawl did not finish in this run.'),
    gapFolders: z.number().describe('Folders where Graph counts more than the archive accounts for, though nothing is owed.'),
  }),
  "What a mailbox's (or a run's) archive lacks once its crawl ended.",
);

export const Pace = named(
  'Pace',
  z.object({
    done: z.number().describe('Messages the crawl has gone through in this run.'),
    expected: z.number().nullable().describe('Messages Graph counted in the selected folders when a first archive started; null when not known.'),
    messagesPerMinute: z.number().nullable(),
    secondsLeft: z.number().nullable(),
  }),
  'How far a mailbox (or a whole run) is, how fast it goes, and how long it still needs at that pace.',
);

export const FolderCompleteness = named(
  'FolderCompleteness',
  z.object({
    folderId: z.string(),
    path: z.string(),
    inMailbox: z.number().nullable().describe("Graph's `totalItemCount`; null when Graph did not say."),
    held: z.number(),
    filtered: z.number(),
    owed: z.number(),
    failed: z.number(),
    verdict: z.enum(['complete', 'catching-up', 'gaps']),
    reason: z.string().nullable(),
    checkedAt: date,
  }),
  "One folder's count in Graph beside what the archive accounts for, with a verdict.",
);

const runError = z.object({ at: date, folder: z.string().optional(), messageId: z.string().optional(), subject: z.string().optional(), reason: z.string(), recovered: z.boolean().optional() });
const runSkip = z.object({ at: date, folder: z.string().optional(), messageId: z.string().optional(), reason: z.string() });
export const RunMailbox = named(
  'RunMailbox',
  Counts.extend({
    mailboxId: z.string(),
    upn: z.string(),
    onlineArchiveOf: z.string().optional().describe("Set on an online archive: the owner's primary mailbox id."),
    status: MailboxStatus,
    currentFolder: z.string(),
    foldersDone: z.number(),
    foldersTotal: z.number(),
    errorCount: z.number(),
    recoveredErrors: z.number(),
    recentErrors: z.array(runError),
    missing: Missing.nullable().optional().describe("Set when the mailbox's crawl ends."),
    recentSkips: z.array(runSkip).optional().describe('Messages a filter skipped that the run names (over the size limit).'),
    skipCount: z.number().optional(),
    attempts: z.number().optional().describe('Attempts a worker started at this mailbox in this run.'),
    recentRestarts: z.array(runSkip).optional().describe('Attempts after the first (a takeover of a stalled or killed worker, a retry after an error), each with why the one before ended.'),
    restartCount: z.number().optional(),
    _id: z.string(),
    runId: z.string(),
    archiveId: z.string(),
    startedAt: nullableDate,
    finishedAt: nullableDate,
    durationMs: z.number(),
    folders: z.array(FolderCompleteness).optional().describe("Per folder, Graph's count beside the archive's (the completeness report)."),
    failedMessages: z.array(z.unknown()).optional(),
    pendingCounts: z.record(z.string(), z.number()).optional(),
    pendingDone: z.array(z.string()).optional(),
    expected: z.number().nullable().optional(),
    pace: Pace,
  }),
);
export const RunDetail = named('RunDetail', Run.extend({ totals: Counts, missing: Missing, recoveredErrors: z.number(), pace: Pace, mailboxes: z.array(RunMailbox) }));

export const ConnectionTest = named(
  'ConnectionTest',
  z.object({ ok: z.boolean(), mailboxCount: z.number(), checked: z.array(z.object({ upn: z.string(), ok: z.boolean(), error: z.string().optional() })), error: z.string().optional() }),
);

export const ArchiveUser = named(
  'ArchiveUser',
  z.object({
    _id: z.string(),
    source: z.enum(['entra', 'manual']),
    kind: z.enum(['user', 'shared', 'room', 'equipment', 'catch-all', 'manual', 'group']),
    upn: z.string(),
    displayName: z.string(),
    mail: z.string(),
    addresses: z.array(z.string()),
    accountEnabled: z.boolean(),
    exchangeLicensed: z.boolean(),
    onlineArchiveId: z.string().nullable().optional().describe("The online archive's mailbox id as the last directory sync read it; null: none; absent: never read."),
    status: z.enum(['active', 'departed']),
    departedAt: nullableDate,
    lastSyncedAt: nullableDate,
    createdAt: date,
  }),
);

export const DirectorySyncResult = named(
  'DirectorySyncResult',
  z.object({ seen: z.number(), added: z.number(), updated: z.number(), departed: z.number(), skipped: z.array(z.object({ upn: z.string(), reason: z.string() })) }),
);

export const GrantRight = named('GrantRight', z.enum(['read', 'export', 'restore']));
const party = z.object({ id: z.string(), upn: z.string(), displayName: z.string(), kind: z.string() });
export const Grant = named(
  'Grant',
  z.object({ id: z.string(), grantee: party, archive: party, rights: z.array(GrantRight), grantedBy: z.object({ oid: z.string(), upn: z.string() }), grantedAt: date }),
);
export const GrantList = named('GrantList', z.object({ value: z.array(Grant) }));

export const FailedMessage = named(
  'FailedMessage',
  z.object({
    id: z.string(),
    profileId: z.string(),
    profileName: z.string(),
    mailbox: z.string(),
    messageId: z.string(),
    folder: z.string(),
    subject: z.string(),
    lastError: z.string(),
    attempts: z.number(),
    failedAt: nullableDate,
  }),
  'A message every retry failed to archive: not in the archive, named so it can be retried.',
);

export const Stats = named(
  'Stats',
  z.object({
    storage: z.object({ items: z.number(), itemBytes: z.number(), messages: z.number(), messageBytes: z.number(), storedBytes: z.number(), archiveUsers: z.number() }),
    singleInstance: z.object({ copies: z.number(), stored: z.number(), savedBytes: z.number(), compressionSavedBytes: z.number() }),
    perDay: z.array(z.object({ date: z.string(), count: z.number() })),
    runs: z.array(Run.extend({ totals: Counts, errorCount: z.number(), recoveredErrors: z.number() })),
    attention: z.array(
      z.object({
        runId: z.string(),
        profileId: z.string(),
        profileName: z.string(),
        status: RunStatus,
        at: date,
        error: z.string().nullable(),
        mailboxes: z.array(z.object({ upn: z.string(), status: z.string(), errorCount: z.number(), lastError: z.string().nullable() })),
      }),
    ),
    failedMessages: z.object({ count: z.number(), recent: z.array(FailedMessage) }),
  }),
);

export const JournalStatus = named(
  'JournalStatus',
  z.object({
    gateway: z.object({
      enabled: z.boolean(),
      host: z.string(),
      port: z.number(),
      tls: z.boolean(),
      requireTls: z.boolean(),
      auth: z.string(),
      maxBytes: z.number(),
      allowedHosts: z.array(z.string()),
      clientNames: z.array(z.string()),
      acceptsAnySender: z.boolean().describe('SMTP_INSECURE_ACCEPT_ANY is on and nothing checks who sends: anyone can file reports.'),
    }),
    backlog: z.number(),
    held: z.number(),
    pending: z.number(),
    quarantine: z.object({ 'not-journal': z.number(), malformed: z.number() }),
  }),
);

export const OperationsOverview = named(
  'OperationsOverview',
  z.object({
    backlog: z.object({
      jobs: z.array(z.object({ type: z.string(), status: z.enum(['queued', 'running']), due: z.number(), count: z.number() })),
      waiting: z.number().describe('Queued jobs whose time has come.'),
      running: z.number(),
      owedMessages: z.number().describe('Messages a crawl owes: due to retry now or waiting out their back-off.'),
      mailboxesBehind: z.number().describe('Mailboxes that owe those messages.'),
      journalQueued: z.number(),
    }),
    profiles: z.array(
      z.object({
        profileId: z.string(),
        profileName: z.string(),
        enabled: z.boolean(),
        lastRun: z.object({ runId: z.string(), status: z.string(), finishedAt: nullableDate }).nullable(),
        lastSuccess: z.object({ runId: z.string(), finishedAt: nullableDate }).nullable(),
        failingMailboxes: z.array(z.object({ upn: z.string(), status: z.string(), lastError: z.string().nullable() })),
      }),
    ),
    growth: z.object({
      perDay: z.array(z.object({ date: z.string(), bytes: z.number(), messages: z.number() })),
      database: z.object({ totalBytes: z.number(), dataBytes: z.number(), indexBytes: z.number() }),
      bytesPerDay: z.number().describe("Database growth per day: the mean of the window's whole days of stored bytes, scaled by the database's size per stored byte."),
      forecast: z.array(z.object({ days: z.number(), totalBytes: z.number() })),
      limit: z
        .object({ bytes: z.number(), daysLeft: z.number().nullable().describe('Null when the database does not grow.') })
        .nullable()
        .describe('DATABASE_SIZE_LIMIT_GB, when configured, and the days until the database reaches it.'),
    }),
    processes: z.array(z.object({ _id: z.string(), host: z.string(), release: z.string(), schema: z.number(), roles: z.array(z.string()), startedAt: date, seenAt: date })),
    schema: z.object({ database: z.number().nullable(), code: z.number(), upgrading: z.number().nullable() }),
  }),
);

const stamps = { createdAt: date, updatedAt: date };

/** An archiving profile as saved: its settings (the input schema's output, filter dates as strings), id and dates. */
export const Profile = named(
  'Profile',
  z
    .object({
      ...profileInputSchema.shape,
      id: z.string(),
      filters: z.object({ olderThanDays: z.number().optional(), receivedAfter: date.optional(), receivedBefore: date.optional(), maxSizeMB: z.number().optional() }),
      ...stamps,
    })
    .strict(),
);
export const ProfileList = named('ProfileList', z.object({ value: z.array(Profile) }));

export const DirectorySettings = named('DirectorySettings', directorySettingsSchema);

export const JournalMailbox = named(
  'JournalMailbox',
  z.object({
    address: z.string(),
    description: z.string(),
    ...stamps,
    secret: z.string().optional().describe('Only in the answer that created or replaced it: shown once, never stored in clear.'),
  }),
);
export const JournalMailboxList = named('JournalMailboxList', z.object({ value: z.array(JournalMailbox) }));

export const JournalProfile = named('JournalProfile', journalProfileInputSchema.extend({ id: z.string(), ...stamps }));
export const JournalProfileList = named('JournalProfileList', z.object({ value: z.array(JournalProfile) }));
export const JournalProfileSaved = named(
  'JournalProfileSaved',
  JournalProfile.extend({ released: z.number().describe('Held reports of its mailbox this save released for archiving.') }),
);

export const SearchIndexState = named(
  'SearchIndexState',
  z.object({
    reindex: z
      .object({
        id: z.string(),
        status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
        parserVersion: z.number(),
        startedAt: date,
        finishedAt: nullableDate,
        done: z.number().describe("Items parsed and indexed again, of all archives' items."),
        total: z.number(),
        cut: z.number().describe('Messages only partly indexed because of the text caps.'),
        archives: z.object({ total: z.number(), done: z.number(), failed: z.number() }),
        errors: z.array(z.object({ archiveId: z.string(), message: z.string() })),
      })
      .nullable()
      .describe('The latest reindex of every archive; null when none ran.'),
    limits: z.object({ maxBodyChars: z.number(), maxAttachmentTextChars: z.number() }).describe('The text caps in force: what a message keeps beyond them is not searchable.'),
  }),
);

export const CompletenessRow = named('CompletenessRow', FolderCompleteness.extend({ mailboxId: z.string(), upn: z.string(), statement: z.string() }));
export const CompletenessReport = named(
  'CompletenessReport',
  z.object({
    run: Run.pick({ _id: true, profileId: true, profileName: true, status: true, startedAt: true, finishedAt: true }),
    missing: Missing,
    folders: z.object({ total: z.number(), complete: z.number(), catchingUp: z.number(), gaps: z.number() }),
    statement: z.string().describe('One line for the whole run, for an auditor.'),
    rows: z.array(CompletenessRow).describe("Every mailbox's folders, gaps first."),
  }),
);
export const FailedMessageList = named('FailedMessageList', z.object({ value: z.array(FailedMessage) }));

export const JobStarted = named('JobStarted', z.object({ jobId: z.string() }), 'A background job was queued: its id.');

export const VerificationCounts = named(
  'VerificationCounts',
  z.object({
  messagesChecked: z.number(),
  bytesRead: z.number(),
  itemsChecked: z.number(),
  ledgerEntriesChecked: z.number(),
  rootsChecked: z.number(),
  rootsTimestamped: z.number(),
    problems: z.number(),
  }),
);
export const IntegrityProblem = named(
  'IntegrityProblem',
  z.object({
    kind: z.enum(PROBLEM_KINDS),
    id: z.string().describe('The exact thing: a blob id, an item id (archive:blob), a ledger sequence number, a root number.'),
    detail: z.string(),
  }),
);
export const EncryptionStatus = named(
  'EncryptionStatus',
  z.object({
    enabled: z.boolean(),
    enabledAt: nullableDate,
    masterKeyConfigured: z.boolean(),
    masterKeyId: z.string().nullable(),
    currentDataKey: z.string().nullable(),
    dataKeys: z.number(),
    reencryption: z
      .object({
        jobId: z.string(),
        status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
        progress: z.object({ position: z.number(), total: z.number(), rewritten: z.number(), current: z.number(), damaged: z.number(), missing: z.number() }).nullable(),
        error: z.object({ message: z.string(), code: z.string().optional() }).nullable(),
      })
      .nullable(),
  }),
);
export const IntegrityStatus = named(
  'IntegrityStatus',
  z.object({
    ledger: z.object({
      entries: z.number(),
      queued: z.number(),
      roots: z.number(),
      timestamped: z.number(),
      awaitingLateStamp: z.number().describe('Roots closed longer ago than TSA_GRACE_HOURS without a token: only an administrator stamps them (seal with stampLate).'),
      lastRoot: z
        .object({ id: z.number(), fromSeq: z.number(), toSeq: z.number(), period: z.string(), root: z.string(), genTime: nullableDate, tsaError: z.string().nullable() })
        .nullable(),
      tsa: z.object({ configured: z.boolean(), url: z.string().nullable() }),
    }),
    lastVerification: z
      .object({ _id: z.string(), startedAt: date, finishedAt: date, resumed: z.number(), counts: VerificationCounts, problems: z.array(IntegrityProblem).describe('The first problems found (all are counted).') })
      .nullable(),
    runningVerification: z.object({ _id: z.string(), jobId: z.string(), startedAt: date, phase: z.string(), counts: VerificationCounts, updatedAt: date }).nullable(),
    encryption: EncryptionStatus,
  }),
);

const importCounts = { archived: z.number(), duplicate: z.number(), failed: z.number() };
export const ImportItem = named(
  'ImportItem',
  z.object({
    id: z.string(),
    archiveId: z.string(),
    label: z.string(),
    source: z.object({
      kind: z.enum(['upload', 'path', 'imap']),
      name: z.string().optional(),
      path: z.string().optional(),
      host: z.string().optional(),
      user: z.string().optional(),
      folders: z.array(z.string()).optional(),
    }),
    createdBy: z.object({ oid: z.string(), upn: z.string() }),
    createdAt: date,
    state: z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']),
    bytes: z.object({ read: z.number(), total: z.number().nullable() }),
    messages: z.object({ ...importCounts, lossy: z.number(), total: z.number().nullable() }),
    folders: z.array(z.object({ path: z.string(), ...importCounts })),
    rate: z.object({ messagesPerSecond: z.number(), bytesPerSecond: z.number() }),
    secondsLeft: z.number().nullable(),
    error: z.string().nullable(),
    updatedAt: nullableDate,
  }),
  'An import as a person sees it: never its secret, with rates over its running time.',
);
export const ImportList = named('ImportList', z.object({ value: z.array(ImportItem) }));
export const ImportNote = named(
  'ImportNote',
  z.object({ seq: z.number(), kind: z.enum(['failed', 'lossy']), where: z.string(), folder: z.string(), code: z.string(), message: z.string(), sha256: z.string().nullable(), at: date }),
  'A message an import could not take whole: failed, or archived with something lost.',
);
export const ImportNoteList = named('ImportNoteList', z.object({ value: z.array(ImportNote) }));
export const ImportSettings = named(
  'ImportSettings',
  z.object({
    usersMayImportPst: z.boolean(),
    maxUploadBytes: z.number(),
    allowedFolders: z.array(z.string()).optional().describe('Server folders a path import may read: told to admins only.'),
    pstExport: z.boolean(),
  }),
);
export const ImportSettingsSaved = named('ImportSettingsSaved', z.object({ usersMayImportPst: z.boolean() }));
export const UploadStatus = named('UploadStatus', z.object({ id: z.string(), name: z.string(), size: z.number(), received: z.number() }), 'A resumable upload: how many of its bytes arrived.');

export const ArchiveUserList = named('ArchiveUserList', z.object({ value: z.array(ArchiveUser) }));

const actor = z.object({ oid: z.string(), upn: z.string() });
export const LegalHold = named(
  'LegalHold',
  z.object({
    id: z.string(),
    name: z.string(),
    reason: z.string(),
    kind: z.enum(['archives', 'query']).describe("'archives': everything in `archives`. 'query': what `query` finds in `archives` (all when empty)."),
    archives: z.array(z.string()),
    query: z.string().nullable(),
    caseId: z.string().nullable().describe('The case it belongs to, if any.'),
    visibleToUsers: z.boolean().describe('Whether the people whose mail it holds may see that it is held.'),
    createdBy: actor,
    createdAt: date,
    endsAt: nullableDate,
    state: z.enum(['active', 'lifted']),
    lifted: z.object({ by: actor, at: date, reason: z.string() }).nullable(),
  }),
);
export const LegalHoldList = named('LegalHoldList', z.object({ value: z.array(LegalHold) }));
export const LegalHoldDetail = named('LegalHoldDetail', LegalHold.extend({ messages: z.number().describe('Messages the hold keeps now.') }));

export const ViewTicket = named(
  'ViewTicket',
  z.object({ ticket: z.string(), expiresAt: date, url: z.string().describe('The view with the ticket: for an iframe, which sends no Authorization header.') }),
);

export const LedgerSeal = named(
  'LedgerSeal',
  z.object({
    appended: z.number().describe('Queued events chained into the ledger.'),
    head: z.number().describe("The ledger's last sequence number."),
    rootsClosed: z.number(),
    stamped: z.number().describe('Roots the timestamp authority stamped.'),
    failed: z.number().describe('Roots the timestamp authority did not stamp (retried later).'),
    late: z.number().describe('Roots closed longer ago than TSA_GRACE_HOURS and left without a token, unless stampLate was asked for.'),
  }),
);

export const RetentionSettings = named('RetentionSettings', retentionSettingsInput, 'When disposal runs, how much it may dispose of without a second administrator, and its batch size.');

const auditActor = z.union([
  z.object({ oid: z.string(), upn: z.string(), name: z.string(), roles: z.array(z.string()) }),
  z.object({ system: z.string() }),
]);
export const AuditEntry = named(
  'AuditEntry',
  z.object({
    seq: z.number().describe('The sequence number: 1, 2, 3, ... without gaps.'),
    at: date,
    actor: auditActor,
    action: z.string(),
    archiveId: z.string().optional(),
    target: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    prev: z.string().describe("The hash of entry seq - 1."),
    hash: z.string(),
  }),
);
export const AuditPage = named('AuditPage', z.object({ value: z.array(AuditEntry), nextCursor: z.number().optional().describe('Pass as cursor for the older entries.') }));
export const AuditVerification = named(
  'AuditVerification',
  z.object({
    ok: z.boolean(),
    checked: z.number(),
    brokenAt: z.number().optional().describe('The first entry missing, altered, foreign or not linked.'),
    reason: z.string().optional(),
    head: z.object({ seq: z.number(), hash: z.string() }).optional().describe('The last verified entry: anchor its hash outside the database.'),
  }),
);

export const JournalReport = named(
  'JournalReport',
  z.object({
    _id: z.string().describe("The report's blob id."),
    spoolId: z.string(),
    mailbox: z.string(),
    profileId: z.string(),
    receivedAt: date,
    processedAt: date,
    messageId: z.string(),
    originalSha256: z.string(),
    originalSize: z.number(),
    participants: z.number(),
    archives: z.array(z.object({ archiveId: z.string(), addresses: z.array(z.string()), status: z.enum(['archived', 'duplicate']) })),
    unknown: z.array(z.object({ address: z.string(), action: z.enum(['ignored', 'catch-all', 'pending']) })),
    external: z.number(),
    warnings: z.array(z.string()),
  }),
);
export const JournalReportList = named('JournalReportList', z.object({ value: z.array(JournalReport) }));

const smtpTrace = z.object({
  sessionId: z.string(),
  remoteAddress: z.string(),
  clientHostname: z.string(),
  helo: z.string(),
  mailFrom: z.string(),
  rcptTo: z.array(z.string()),
  secure: z.boolean(),
  user: z.string().nullable(),
});
export const QuarantinedReport = named(
  'QuarantinedReport',
  z.object({
    _id: z.string(),
    kind: z.enum(['not-journal', 'malformed']),
    reason: z.string(),
    spoolId: z.string(),
    mailbox: z.string(),
    receivedAt: date,
    quarantinedAt: date,
    sha256: z.string(),
    size: z.number(),
    smtp: smtpTrace,
    subject: z.string(),
    from: z.string(),
    envelope: z.record(z.string(), z.unknown()).nullable(),
  }),
  'A report kept aside with its bytes (GET .../raw downloads them).',
);
export const QuarantineList = named('QuarantineList', z.object({ value: z.array(QuarantinedReport) }));
export const RunCancelled = named('RunCancelled', z.object({ cancelled: z.boolean() }), '202 when cancelled, 409 when the run had already ended.');
export const FailedMessageRetried = named('FailedMessageRetried', z.object({ runId: z.string().describe('The run that archives the message again.') }));

const previewSummary = z.object({ messages: z.number(), bytes: z.number(), archives: z.number() });
export const RetentionPolicy = named(
  'RetentionPolicy',
  z.object({
    id: z.string(),
    active: policyRules.nullable().describe('The rules in force; null until a new policy is approved.'),
    pending: z
      .object({ rules: policyRules.nullable().describe('null removes the policy.'), requestedBy: actor, requestedAt: date, preview: previewSummary, reasons: z.array(z.string()) })
      .nullable()
      .describe('A change waiting for a second administrator.'),
    version: z.number(),
    createdBy: actor,
    createdAt: date,
    updatedAt: date,
    approvedBy: actor.nullable(),
  }),
);
export const RetentionPolicyList = named('RetentionPolicyList', z.object({ value: z.array(RetentionPolicy) }));
export const PolicyPreview = named(
  'PolicyPreview',
  z.object({
    messages: z.number(),
    bytes: z.number(),
    storageFreed: z.number().describe('Stored originals deleted with their last reference.'),
    archives: z.array(z.object({ archiveId: z.string(), messages: z.number(), bytes: z.number() })),
    sample: z.array(z.object({ archiveId: z.string(), subject: z.string(), receivedAt: date, folder: z.string() })),
    kept: z.partialRecord(z.enum(['hold', 'hold-unverifiable', 'minimum', 'recent']), z.number()),
  }),
  'What a policy change would dispose of, and what it would keep and why.',
);
export const PolicyChange = named(
  'PolicyChange',
  z.object({ policy: RetentionPolicy.nullable(), preview: PolicyPreview, applied: z.boolean().describe('False: the change waits for a second administrator (202).') }),
);
export const PolicyDecision = named('PolicyDecision', z.object({ policy: RetentionPolicy.nullable().describe('null: the approved change removed the policy.') }));
export const DisposalStarted = named('DisposalStarted', z.object({ jobId: z.string(), status: z.string() }));
export const DisposalRunList = named(
  'DisposalRunList',
  z.object({
    value: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        progress: z.record(z.string(), z.unknown()),
        result: z.unknown(),
        error: z.object({ message: z.string(), code: z.string().optional() }).nullable(),
        createdAt: date,
        startedAt: nullableDate,
        finishedAt: nullableDate,
      }),
    ),
  }),
);
export const DisposalLogPage = named(
  'DisposalLogPage',
  z.object({
    value: z.array(
      z.object({
        id: z.string(),
        archiveId: z.string(),
        sha256: z.string(),
        receivedAt: date,
        archivedAt: date,
        size: z.number(),
        kind: z.enum(['disposal', 'erasure']),
        ref: z.array(z.string()).describe('The policies that made it due, or the erasure request.'),
        at: date,
        doneAt: date,
        blob: z.enum(['erased', 'kept']),
      }),
    ),
    nextCursor: nullableDate.describe('Pass as before for the older entries.'),
  }),
);

const erasureCertificate = z.object({ erased: z.number(), kept: z.number(), digest: z.string().describe('SHA-256 over the sorted lines "<archive> <sha256> <erased|kept>".'), at: date });
export const ErasureRequest = named(
  'ErasureRequest',
  z.object({
    id: z.string(),
    addresses: z.array(z.string()),
    from: nullableDate,
    to: nullableDate,
    reason: z.string(),
    requestedBy: actor,
    requestedAt: date,
    state: z.enum(['pending', 'approved', 'running', 'done', 'rejected', 'failed']),
    decidedBy: actor.nullable(),
    decidedAt: nullableDate,
    error: z.string().nullable(),
    certificate: erasureCertificate.nullable(),
  }),
  'An erasure on request (GDPR Art. 17), decided by a second administrator.',
);
export const ErasureRequestList = named('ErasureRequestList', z.object({ value: z.array(ErasureRequest) }));
const listedMessage = z.object({ id: z.string(), archiveId: z.string(), subject: z.string(), from: z.string(), receivedAt: date, size: z.number() });
const keepReason = z.discriminatedUnion('code', [
  z.object({ code: z.literal('hold'), holdId: z.string(), hold: z.string() }),
  z.object({ code: z.literal('hold-unverifiable'), holdId: z.string(), hold: z.string() }),
  z.object({ code: z.literal('minimum'), policyId: z.string(), policy: z.string(), until: date }),
  z.object({ code: z.literal('recent') }),
]);
export const ErasureRequestDetail = named(
  'ErasureRequestDetail',
  ErasureRequest.extend({
    listing: z
      .object({ query: z.string(), goes: z.array(listedMessage), stays: z.array(listedMessage.extend({ reason: keepReason, why: z.string() })) })
      .nullable()
      .describe('Until it has run: what it would erase and what must stay, worked out now.'),
  }),
);
export const ErasureCertificate = named(
  'ErasureCertificate',
  z.object({
    request: ErasureRequest,
    certificate: erasureCertificate,
    messages: z.array(z.object({ archiveId: z.string(), sha256: z.string(), receivedAt: date, blob: z.string(), doneAt: date })),
  }),
);

export const Case = named(
  'Case',
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    searches: z.array(z.object({ id: z.string(), name: z.string(), query: z.string(), createdBy: actor, createdAt: date })),
    createdBy: actor,
    createdAt: date,
    state: z.enum(['open', 'closed']),
  }),
  'An eDiscovery case: saved searches over every archive, tags, holds, exports.',
);
export const CaseList = named('CaseList', z.object({ value: z.array(Case) }));
export const CaseTag = named('CaseTag', z.object({ tag: z.string(), itemId: z.string(), by: actor, at: date }));
export const CaseTagList = named('CaseTagList', z.object({ value: z.array(CaseTag) }));
export const CaseExport = named(
  'CaseExport',
  z.object({
    id: z.string(),
    caseId: z.string(),
    selection: z.union([z.object({ searchId: z.string(), query: z.string() }), z.object({ tag: z.string() })]),
    messages: z.number(),
    manifestSha256: z.string().describe('SHA-256 of the manifest.json in the package.'),
    by: actor,
    at: date,
  }),
);
export const CaseExportList = named('CaseExportList', z.object({ value: z.array(CaseExport) }));
export const CaseDetail = named('CaseDetail', Case.extend({ holds: z.array(LegalHold), exports: z.array(CaseExport), tags: z.array(CaseTag) }));
export const Tagged = named('Tagged', z.object({ tagged: z.number() }));
export const Untagged = named('Untagged', z.object({ untagged: z.number() }));
export const SpoolList = named(
  'SpoolList',
  z.object({
    value: z.array(
      z.object({
        _id: z.string(),
        mailbox: z.string(),
        receivedAt: date,
        sha256: z.string(),
        size: z.number(),
        smtp: smtpTrace,
        jobKey: z.string(),
        heldAt: nullableDate.describe('Since when it waits for an enabled profile; null if it does not.'),
      }),
    ),
  }),
  'The journal backlog, oldest first: spooled, not yet processed.',
);
