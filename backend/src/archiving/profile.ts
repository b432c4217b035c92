import { z } from 'zod';
import { refuseMailOptions, TEAMS_SOURCES } from '../teams/profile';

/**
 * An archiving profile, shaped like MailStore's wizard: what to archive (kind and mailboxes),
 * which folders, filters, deletion rule, target, name and schedule. This schema is the single
 * source of truth for the API's validation and the admin tab's forms.
 */

/** Folders that hold no mail; never archived whatever the include list says. */
export const NON_MAIL_FOLDER_CLASSES = ['IPF.Appointment', 'IPF.Contact', 'IPF.Task', 'IPF.StickyNote', 'IPF.Journal', 'IPF.Configuration'];

/** Graph's well-known mail folder names (valid in any mailbox language). */
export const WELL_KNOWN_FOLDERS = [
  'archive', 'clutter', 'conflicts', 'conversationhistory', 'deleteditems', 'drafts', 'inbox', 'junkemail',
  'localfailures', 'msgfolderroot', 'outbox', 'recoverableitemsdeletions', 'scheduled', 'searchfolders',
  'sentitems', 'serverfailures', 'syncissues',
] as const;

const mailboxRef = z.string().trim().min(3, 'must be a user principal name, address or object id').max(320);
/**
 * `recoverableitemsdeletions` names the Recoverable Items folder for a GET, but it lies outside
 * the folder tree that folder delta (and childFolders) walk, so a rule naming it would silently
 * match nothing. Graph documents no delta for it either, so it is refused rather than crawled
 * some undocumented way: what users delete reaches Recoverable Items from folders the crawl
 * archives first, and journaling (M3) captures mail deleted before any run sees it.
 */
const OUTSIDE_THE_TREE = 'recoverableitemsdeletions';
const folderRef = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(400)
  .refine((v) => v.toLowerCase() !== OUTSIDE_THE_TREE, {
    message: `${OUTSIDE_THE_TREE} (Recoverable Items) is not part of the mailbox's folder tree and cannot be archived by folder rules; use journaling to capture mail before users delete it`,
  });

const source = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('single-mailbox'),
    mailbox: mailboxRef,
    /** Archive that receives the mail; defaults to the mailbox owner's own archive. */
    targetArchive: mailboxRef.optional(),
  }),
  z.object({
    kind: z.literal('multiple-mailboxes'),
    selection: z.enum(['all', 'all-except', 'only']),
    mailboxes: z.array(mailboxRef).max(10_000).default([]),
  }),
  z.object({
    kind: z.literal('shared-mailboxes'),
    /** Empty: every shared mailbox known from directory synchronisation. */
    mailboxes: z.array(mailboxRef).max(10_000).default([]),
  }),
  ...TEAMS_SOURCES,
  z.object({
    /** Microsoft 365 groups' conversations (backend/src/groups), each into the group's own archive. */
    kind: z.literal('m365-groups'),
    selection: z.enum(['all', 'all-except', 'only']),
    /** The groups' mailboxes: group object ids or addresses. */
    mailboxes: z.array(mailboxRef).max(10_000).default([]),
  }),
]);

const isoDate = z.coerce.date({ error: 'must be an ISO date such as 2024-01-31' });

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manual') }),
  z.object({ kind: z.literal('interval'), everyMinutes: z.number().int().min(5, 'must be at least 5 minutes').max(10_080) }),
  z.object({ kind: z.literal('cron'), expression: z.string().trim().min(9).max(120), timezone: z.string().max(64).optional() }),
]);

export const profileInputSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100),
    enabled: z.boolean().default(true),
    source,
    syncDirectoryFirst: z.boolean().default(false),
    /**
     * Also archive each mailbox's online archive (In-Place Archive, with its auxiliary archives)
     * into the owner's archive, under "Online Archive/". Off by default: Graph reaches archive
     * mailboxes through a beta (preview) API only.
     */
    includeOnlineArchives: z.boolean().default(false),
    folders: z
      .object({
        /** Empty: every mail folder. Entries are well-known names (inbox) or paths (Inbox/Projects). */
        include: z.array(folderRef).max(500).default([]),
        exclude: z.array(folderRef).max(500).default(['junkemail', 'drafts', 'outbox']),
      })
      .default({ include: [], exclude: ['junkemail', 'drafts', 'outbox'] }),
    filters: z
      .object({
        olderThanDays: z.number().int().min(0).max(36_500).optional(),
        receivedAfter: isoDate.optional(),
        receivedBefore: isoDate.optional(),
        maxSizeMB: z.number().positive().max(1024).optional(),
      })
      .default({})
      .refine((f) => !f.receivedAfter || !f.receivedBefore || f.receivedAfter < f.receivedBefore, {
        message: 'receivedAfter must be before receivedBefore',
        path: ['receivedAfter'],
      }),
    deletion: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('never') }),
        z.object({
          mode: z.literal('delete-after-archiving'),
          olderThanDays: z.number().int().min(1, 'must be at least 1 day').max(36_500),
          /** Online archives are where users keep old mail on purpose: deleted from only when chosen. */
          alsoOnlineArchives: z.boolean().default(false),
        }),
      ])
      .default({ mode: 'never' }),
    timeoutMinutes: z.number().int().min(1).max(7 * 24 * 60).default(240),
    schedule: scheduleSchema.default({ kind: 'manual' }),
  })
  .strict()
  .superRefine(refuseMailOptions);

export type ProfileInput = z.input<typeof profileInputSchema>;
export type ProfileSettings = z.output<typeof profileInputSchema>;
export type Schedule = z.output<typeof scheduleSchema>;
export type ProfileSource = ProfileSettings['source'];
