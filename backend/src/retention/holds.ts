/**
 * Legal holds (MISSION M13): on whole archives, or on what a query finds. A query hold is
 * evaluated against the index whenever something would delete a message, so mail that arrives
 * later and matches is held as well. Holds win over every retention maximum, over erasure, and
 * over "delete from the mailbox after archiving" (the mailbox copy may still go once the archived
 * copy is verified; the archived copy is what the hold keeps).
 */
import { z } from 'zod';
import { audit } from '../access';
import type { Caller } from '../access/caller';
import { IndexLocator } from '../search/index-deletes';
import { parseQuery, QuerySyntaxError } from '../search/query';
import { searchIndex } from '../search/service';
import type { Store } from '../store';
import { getArchiveUser } from '../store/directory';
import { activeHolds, getHold, insertHold, liftHold, type Hold } from '../store/holds';
import { countItems, getItem, type Item } from '../store/items';
import { listIndexedArchives } from '../store/postings';
import { actorOf, notFound, RetentionError } from './errors';

export const holdInput = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    reason: z.string().trim().min(1, 'is required: say why the mail must be kept').max(2000),
    kind: z.enum(['archives', 'query']),
    archives: z.array(z.string().trim().min(1).max(400)).max(1000).default([]),
    query: z.string().trim().max(2000).nullable().default(null),
    endsAt: z.coerce.date({ error: 'must be a date' }).nullable().default(null),
    visibleToUsers: z.boolean().default(false),
    caseId: z.string().trim().min(1).max(100).nullable().default(null),
  })
  .strict();
export type HoldInput = z.infer<typeof holdInput>;

export const liftInput = z.object({ reason: z.string().trim().min(1, 'is required: say why the hold ends').max(2000) }).strict();

/** Archive references (ids, user names, addresses) as archive ids; 400 naming the first that is no archive. */
export async function resolveArchives(store: Store, refs: readonly string[], field: string): Promise<string[]> {
  const indexed = new Set(await listIndexedArchives(store));
  const out: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const id = indexed.has(ref) ? ref : (await getArchiveUser(store.conn, ref))?._id;
    if (!id) throw new RetentionError(400, 'invalid_input', `${field}.${i}: no archive ${ref}`, `${field}.${i}`);
    out.push(id);
  }
  return [...new Set(out)];
}

/** Checks what only the data can tell: the query parses, the end is ahead. */
function validate(input: HoldInput): void {
  if (input.kind === 'archives' && input.archives.length === 0) throw new RetentionError(400, 'invalid_input', 'archives: name at least one archive to hold', 'archives');
  if (input.kind === 'query') {
    if (!input.query) throw new RetentionError(400, 'invalid_input', 'query: is required for a query hold', 'query');
    try {
      parseQuery(input.query);
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw new RetentionError(400, err.code, `query: ${err.message}`, 'query');
      throw err;
    }
  }
  if (input.endsAt && input.endsAt <= new Date()) throw new RetentionError(400, 'invalid_input', 'endsAt: must be in the future', 'endsAt');
}

export async function setHold(store: Store, caller: Caller, given: HoldInput): Promise<Hold> {
  validate(given);
  const input = { ...given, archives: await resolveArchives(store, given.archives, 'archives') };
  // Audited before it takes effect, like a grant: a hold that cannot be recorded does not exist.
  await audit(store, { caller, action: 'legal-hold-set', details: { ...input } });
  return insertHold(store, { ...input, query: input.kind === 'query' ? input.query : null, createdBy: actorOf(caller) });
}

export async function endHold(store: Store, caller: Caller, holdId: string, reason: string): Promise<Hold> {
  const hold = await getHold(store, holdId);
  if (!hold) throw notFound('Hold');
  if (hold.state !== 'active') throw new RetentionError(409, 'already_lifted', 'This hold was lifted already');
  await audit(store, { caller, action: 'legal-hold-lifted', target: holdId, details: { name: hold.name, reason, setBy: hold.createdBy.upn, setAt: hold.createdAt } });
  const lifted = await liftHold(store, holdId, { by: actorOf(caller), at: new Date(), reason });
  if (!lifted) throw new RetentionError(409, 'already_lifted', 'This hold was lifted already');
  return lifted;
}

/** How many messages a hold keeps now (a query hold's matches, including mail archived since it was set). */
export async function heldCount(store: Store, hold: Hold): Promise<number> {
  if (hold.kind === 'archives') {
    let n = 0;
    for (const a of hold.archives) n += await countItems(store.conn, a);
    return n;
  }
  const archives = hold.archives.length ? hold.archives : await listIndexedArchives(store);
  return (await searchIndex(store, archives, parseQuery(hold.query!), { limit: 1 })).total;
}

/** The holds in force that keep this archived message. */
export async function holdsOn(store: Store, item: Item, holds?: Hold[]): Promise<Hold[]> {
  const active = holds ?? (await activeHolds(store));
  const out = active.filter((h) => h.kind === 'archives' && h.archives.includes(item.archiveId));
  const queries = active.filter((h) => h.kind === 'query' && (h.archives.length === 0 || h.archives.includes(item.archiveId)));
  if (queries.length === 0) return out;
  const locator = await IndexLocator.open(store, item.archiveId, { keep: true });
  const positions = (await locator.locate([item])).get(item.sha256) ?? [];
  for (const h of queries) if (await locator.matchesAny(parseQuery(h.query!), h._id, positions)) out.push(h);
  return out;
}

/**
 * For the Outlook add-in: whether the caller's message is under hold, as far as the caller may
 * know. Administrators and auditors see every hold; others only holds marked visible to users
 * (an investigation is not announced to the person investigated).
 */
export async function holdStatusFor(store: Store, caller: Caller, item: Item): Promise<{ held: boolean; holds: { name: string; since: Date; until: Date | null }[] }> {
  const staff = caller.roles.has('admin') || caller.roles.has('auditor');
  const mayKnow = (await activeHolds(store)).filter((h) => staff || h.visibleToUsers);
  const holds = mayKnow.length ? await holdsOn(store, item, mayKnow) : [];
  return { held: holds.length > 0, holds: holds.map((h) => ({ name: h.name, since: h.createdAt, until: h.endsAt })) };
}

/**
 * The archiving crawl's question before it deletes a message from the mailbox ("delete after
 * archiving"): null when it may, else why not. The archived copy must still be there: a copy
 * that retention is removing at this moment is no copy to rely on. A held copy is fine: the hold
 * keeps it.
 */
export async function mailboxCopyMayGo(store: Store, archiveId: string, sha256: string): Promise<string | null> {
  return (await getItem(store.conn, archiveId, sha256)) ? null : 'the archived copy is no longer in the archive; not deleted from the mailbox';
}
