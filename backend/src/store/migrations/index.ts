import type { Store } from '../connection';
import { reparseOlderMessages } from './v2-reparse';
import { partitionMemberLedgers } from './v3-member-ledgers';
import { separateSearchDatabase } from './v4-search-database';
import { summaryBlocks } from './v5-summary-blocks';

/**
 * Ordered migrations of the database, each from `version - 1` to `version`. A migration must be
 * idempotent: a crash part-way leaves the version before it recorded, and the next process to
 * hold the upgrade's lease runs it again from the start (one that runs long saves its place with
 * `ctx.progress` and reads it back from `ctx.saved`). Raise the version, with a migration, when
 * a release changes the shape of stored data or a protocol that processes share through the
 * database (the blob store's chunk writes, a lease's fields): processes of older code then stop
 * before the change is made (upgrade/index.ts).
 *
 * Version 1 is the first release (f701317), which wrote no version document.
 */
export interface MigrationContext {
  store: Store;
  /** A line for the log of the process that migrates. */
  note(message: string, fields?: Record<string, unknown>): void;
  /** Queues a reindex of every archive from the stored blobs (jobs/reindex.ts). */
  requestReindex(): Promise<void>;
  /** What this migration saved with `progress` before a crash, or {}. */
  saved: Record<string, unknown>;
  progress(values: Record<string, unknown>): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

export const FIRST_SCHEMA = 1;

export const MIGRATIONS: readonly Migration[] = [reparseOlderMessages, partitionMemberLedgers, separateSearchDatabase, summaryBlocks];

/** The schema this code reads and writes. */
export const CODE_SCHEMA = MIGRATIONS.at(-1)?.version ?? FIRST_SCHEMA;
