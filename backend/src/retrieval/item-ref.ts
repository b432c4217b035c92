import { audit, requireArchive, type Right } from '../access';
import type { Caller } from '../access/caller';
import { DomainError, invalidInput, notFound } from '../errors';
import type { Store } from '../store';
import { getItem, type Item } from '../store/items';

export interface ItemRef {
  id: string;
  archiveId: string;
  sha256: string;
}

/**
 * `${archiveId}:${sha256}` (store/items.ts `itemId`). Archive ids are Entra object ids or
 * `manual:<upn>`, so the hash is whatever follows the last colon; anything outside this shape is
 * refused before it reaches the database.
 */
const ITEM_ID = /^([A-Za-z0-9][A-Za-z0-9._@:+'-]{0,399}):([0-9a-f]{64})$/;

export function parseItemId(raw: unknown, field = 'id'): ItemRef {
  const match = typeof raw === 'string' ? ITEM_ID.exec(raw) : null;
  if (!match) throw invalidInput(field, 'not a message id (<archive id>:<sha-256>)');
  return { id: raw as string, archiveId: match[1]!, sha256: match[2]! };
}

/** One answer for "no such message" and "not yours", so that ids cannot be probed. */
export const messageNotFound = () => notFound('Message');

/**
 * The item, if the caller holds `right` on its archive. The right is checked before the item is
 * looked up, so a caller learns nothing about archives outside their reach.
 */
export async function reachItem(store: Store, caller: Caller, ref: ItemRef, right: Right): Promise<Item> {
  await requireArchiveOrNotFound(store, caller, ref.archiveId, right);
  const item = await getItem(store.conn, ref.archiveId, ref.sha256);
  if (!item) throw messageNotFound();
  return item;
}

export async function requireArchiveOrNotFound(store: Store, caller: Caller, archiveId: string, right: Right): Promise<void> {
  try {
    await requireArchive(store, caller, archiveId, right);
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'not_found') throw messageNotFound();
    throw err;
  }
}

export interface RequestInfo {
  ip?: string;
  userAgent?: string;
}

export type AuditAction = 'view' | 'download' | 'attachment' | 'restore' | 'export';

export function auditAccess(
  store: Store,
  caller: Caller,
  action: AuditAction,
  where: RequestInfo,
  entry: { archiveId?: string; target?: string; details?: Record<string, unknown> },
): Promise<void> {
  return audit(store, { caller, action, ...entry, ip: where.ip, userAgent: where.userAgent });
}
