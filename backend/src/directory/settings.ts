import { z } from 'zod';
import type { Connection } from 'mongoose';
import { readSetting, writeSetting } from '../store/settings';
import { scheduleSchema } from '../archiving/profile';

/** Directory synchronisation options, as in MailStore's "Directory Services" page. */
export const directorySettingsSchema = z
  .object({
    /** Only users with an enabled Exchange Online plan; off brings shared mailboxes in. */
    licensedOnly: z.boolean().default(true),
    /** Object ids of groups; when set, only their (transitive) members are synchronised. */
    includeGroups: z.array(z.string().uuid('must be a group object id')).max(100).default([]),
    excludeGroups: z.array(z.string().uuid('must be a group object id')).max(100).default([]),
    /** Also mirror Microsoft 365 groups (unified, mail-enabled) as archives of their conversations. */
    syncGroups: z.boolean().default(false),
    /** Grant each group's archive to its owners and members (read), kept in step with the membership. */
    grantGroupMembers: z.boolean().default(true),
    schedule: scheduleSchema.default({ kind: 'manual' }),
  })
  .strict();
export type DirectorySettings = z.output<typeof directorySettingsSchema>;

const KEY = 'directory';

export async function getDirectorySettings(conn: Connection): Promise<DirectorySettings> {
  return directorySettingsSchema.parse((await readSetting(conn, KEY)) ?? {});
}

export async function saveDirectorySettings(conn: Connection, input: unknown): Promise<DirectorySettings> {
  const settings = directorySettingsSchema.parse(input);
  await writeSetting(conn, KEY, settings);
  return settings;
}
