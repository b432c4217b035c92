import { partitionLedgers } from '../members';
import type { Migration } from './index';

/**
 * On FerretDB each mailbox's folder ledger moves into a collection of its own (store/members.ts
 * `ledger`): a mailbox's completeness tally read every mailbox's documents before. Nothing to do
 * on MongoDB, which keeps the shared collection. Older code would go on writing the shared one,
 * hence a schema version.
 */
export const partitionMemberLedgers: Migration = {
  version: 3,
  name: "each mailbox's folder ledger in a collection of its own (FerretDB)",
  async up(ctx) {
    const moved = await partitionLedgers(ctx.store.conn);
    ctx.note(moved > 0 ? `moved ${moved} folder ledger entries into their mailboxes' collections` : 'no folder ledger entries to move', { moved });
  },
};
