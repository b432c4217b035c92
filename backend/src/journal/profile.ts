import { z } from 'zod';

const address = z.string().trim().toLowerCase().email('must be an email address').max(320);
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, 'must be a domain name');

/** A gateway mailbox as the administrator creates it; the secret is generated, never chosen. */
export const journalMailboxInputSchema = z
  .object({
    address,
    description: z.string().trim().max(500).default(''),
  })
  .strict();

export const journalMailboxPatchSchema = z.object({ description: z.string().trim().max(500) }).strict();

/** The guide's journal profile: which gateway mailbox, what to do with unknown addresses, enabled. */
export const journalProfileInputSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    mailbox: address,
    unknownAddresses: z.enum(['ignore', 'catch-all', 'create-at-sync']).default('ignore'),
    catchAllArchiveId: z.string().trim().min(1).max(200).nullable().default(null),
    syncDirectoryFirst: z.boolean().default(false),
    internalDomains: z.array(domain).max(100).default([]),
    enabled: z.boolean().default(true),
  })
  .strict();

export const journalAddressSchema = z.object({ address });
