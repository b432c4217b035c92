import type { Connection } from 'mongoose';
import { setRunMailboxCounts, sumCounts, type Counts, type RunMailbox } from '../store/runs';
import { getFolderLink } from '../store/sync-state';
import { addCounts, type PartialCounts } from './context';

/**
 * What one mailbox has counted in a run, rebuilt from committed progress whenever a worker
 * (re)starts the mailbox: per folder from the folder's sync state (written with each page's
 * link), for due pending work from the run's mailbox document (written with each batch). The
 * mailbox's counters are published as their sum, never incremented, so a page or batch that is
 * retried after a crash replaces its uncommitted counts instead of adding to them.
 */
export class RunTally {
  private readonly folders = new Map<string, FolderProgress>();
  private readonly mailboxId: string;
  private pending: PartialCounts;
  private pendingDone: string[];

  constructor(
    private readonly conn: Connection,
    private readonly runId: string,
    private readonly profileId: string,
    mailbox: Pick<RunMailbox, 'mailboxId' | 'pendingCounts' | 'pendingDone'>,
  ) {
    this.mailboxId = mailbox.mailboxId;
    this.pending = { ...mailbox.pendingCounts };
    this.pendingDone = mailbox.pendingDone ?? [];
  }

  /** Reads each folder's sync state once (the crawl starts from its link) with what this run counted there. */
  async loadFolders(folderIds: string[]): Promise<void> {
    for (const id of folderIds) {
      const state = await getFolderLink(this.conn, this.profileId, this.mailboxId, id);
      this.folders.set(id, { link: state?.link ?? null, roundComplete: state?.roundComplete ?? false, counts: state?.runId === this.runId ? { ...state.counts } : {} });
    }
  }

  /** Where the folder's crawl stands: the next page, or the deltaLink between rounds; null before its first page. */
  folderLink(folderId: string): string | null {
    return this.folders.get(folderId)?.link ?? null;
  }

  /** This run's counts in the folder with `page` added: what the page's commit records. */
  folderWith(folderId: string, page: PartialCounts): PartialCounts {
    return add(this.folders.get(folderId)?.counts ?? {}, page);
  }

  /** After the commit of a page: `counts` is what `folderWith` gave for it, `link` where the crawl stands. */
  committedFolder(folderId: string, counts: PartialCounts, link: string, roundComplete: boolean): void {
    this.folders.set(folderId, { link, roundComplete, counts });
  }

  /** Whether the folder's delta round has reached its deltaLink (in this run or an earlier one). */
  roundComplete(folderId: string): boolean {
    return this.folders.get(folderId)?.roundComplete ?? false;
  }

  /** Pending items a crash may have left behind after their batch was counted; given once per crawl. */
  takeUncleared(): string[] {
    const ids = this.pendingDone;
    this.pendingDone = [];
    return ids;
  }

  /**
   * Commits a batch of due pending work: its counts and its item ids, with the mailbox's totals.
   * The caller removes the items next; the ids are for a crawl that restarts after a crash.
   */
  async commitPending(batch: PartialCounts, itemIds: string[]): Promise<void> {
    const counts = add(this.pending, batch);
    await setRunMailboxCounts(this.conn, this.runId, this.mailboxId, this.totals(counts), { counts, done: itemIds });
    this.pending = counts;
  }

  /** Publishes the mailbox's counters: the sum of everything committed. */
  async publish(): Promise<void> {
    await setRunMailboxCounts(this.conn, this.runId, this.mailboxId, this.totals(this.pending));
  }

  get anything(): boolean {
    return Object.values(this.totals(this.pending)).some((n) => n > 0);
  }

  private totals(pending: PartialCounts): Counts {
    return sumCounts([pending, ...[...this.folders.values()].map((f) => f.counts)]);
  }
}

interface FolderProgress {
  link: string | null;
  roundComplete: boolean;
  counts: PartialCounts;
}

function add(a: PartialCounts, b: PartialCounts): PartialCounts {
  const out = { ...a };
  addCounts(out, b);
  return out;
}
