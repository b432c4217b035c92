import type { Message } from '@microsoft/microsoft-graph-types';
import type { Store } from '../store';
import { getItem } from '../store/items';

/**
 * Restored copies carry this named single-value extended property, whose value is the SHA-256 of
 * the archived original. A property under our own GUID: Exchange maps internet headers of
 * incoming mail into PS_INTERNET_HEADERS, never into it, so a sender cannot mark a message.
 */
export const RESTORED_FROM = 'String {3b9f6f1e-5c2a-4d8b-9e71-0a4c2f6d8e13} Name M365Archive.RestoredFrom';

/** Asks message delta to return the marker with each message (delta documents `$expand`). */
export const RESTORED_FROM_EXPAND = `singleValueExtendedProperties($filter=id eq '${RESTORED_FROM}')`;

/** The SHA-256 of the archived original a mailbox message was restored from, if it carries the marker. */
export function restoredFrom(msg: Message): string | undefined {
  const marker = msg.singleValueExtendedProperties?.find((p) => p.id?.toLowerCase() === RESTORED_FROM.toLowerCase());
  return marker?.value && /^[0-9a-f]{64}$/.test(marker.value) ? marker.value : undefined;
}

/**
 * A restored copy is not archived again when this archive already holds its original: Exchange
 * converts the copy to MIME anew, so its bytes (and hash) differ from the original's. Skipping
 * only what the archive provably holds means a forged or stale marker never loses a message.
 */
export async function isRestoredCopy(store: Store, archiveId: string, msg: Message): Promise<boolean> {
  const original = restoredFrom(msg);
  return original !== undefined && (await getItem(store.conn, archiveId, original)) !== null;
}
