import { exchangeId } from './ids';
import { graphDate } from './mime';
import type { MessageSource } from './mime';

export type ItemClass = 'IPM.Note' | 'IPM.Appointment' | 'IPM.Contact' | 'IPM.Task' | 'IPM.StickyNote';

export interface FolderRecord {
  id: string;
  parentId: string | null;
  displayName: string;
  wellKnownName: string | null;
  /** PR_CONTAINER_CLASS (0x3613): what kind of items the folder holds. */
  containerClass: string;
  isHidden: boolean;
  /** Keyed by immutable id; an entry is re-inserted on every change, so iteration follows `seq`. */
  items: Map<string, MessageRecord>;
  /** Items that left the folder (deleted or moved out), ascending by seq. */
  tombstones: Tombstone[];
  seq: number;
}

export interface Tombstone {
  restId: string;
  immutableId: string;
  seq: number;
}

export interface MessageRecord {
  immutableId: string;
  /** Exchange's default (non-immutable) id changes when the item moves to another folder. */
  restId: string;
  folderId: string;
  source: MessageSource;
  itemClass: ItemClass;
  seq: number;
  /** The seq at which the item entered its current folder: later changes are "updated", not "created". */
  addedSeq: number;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  isRead: boolean;
  isDraft: boolean;
  categories: string[];
  flagStatus: 'notFlagged' | 'flagged' | 'complete';
  internetMessageId?: string;
}

export interface NewItem {
  source: MessageSource;
  itemClass?: ItemClass;
  receivedDateTime?: string;
  isRead?: boolean;
  isDraft?: boolean;
  internetMessageId?: string;
}

export type MessagePatch = Partial<Pick<MessageRecord, 'isRead' | 'categories' | 'flagStatus'>>;

/** The mail well-known folder names of https://learn.microsoft.com/en-us/graph/api/resources/mailfolder. */
export const WELL_KNOWN_NAMES = [
  'archive', 'clutter', 'conflicts', 'conversationhistory', 'deleteditems', 'drafts', 'inbox', 'junkemail',
  'localfailures', 'msgfolderroot', 'outbox', 'recoverableitemsdeletions', 'scheduled', 'searchfolders',
  'sentitems', 'serverfailures', 'syncissues',
] as const;

/**
 * One Exchange mailbox: a folder tree plus items, with a monotonically increasing change sequence
 * and per-folder tombstones so delta queries are exact and cheap.
 */
export class Mailbox {
  readonly folders = new Map<string, FolderRecord>();
  /** Deleted folders, for mailFolders/delta. */
  readonly folderTombstones: { id: string; seq: number }[] = [];
  private readonly wellKnown = new Map<string, string>();
  private readonly items = new Map<string, MessageRecord>();
  private counter = 0;
  seq = 0;
  /** Bumped to invalidate every outstanding delta token (a "sync reset"). */
  epoch = 1;
  /** At its storage quota: folder delta, which writes sync state into the mailbox, is refused. */
  overQuota = false;

  constructor(readonly userId: string) {}

  private newId(kind: 'message' | 'folder' | 'immutable'): string {
    return exchangeId(kind, `${this.userId}:${kind}:${++this.counter}`);
  }

  private nextSeq(): number {
    return ++this.seq;
  }

  get root(): FolderRecord {
    return this.wellKnownFolder('msgfolderroot')!;
  }

  wellKnownFolder(name: string): FolderRecord | undefined {
    const id = this.wellKnown.get(name.toLowerCase());
    return id ? this.folders.get(id) : undefined;
  }

  addFolder(
    parentId: string | null,
    displayName: string,
    opts: { wellKnownName?: string; containerClass?: string; isHidden?: boolean; id?: string } = {},
  ): FolderRecord {
    const folder: FolderRecord = {
      id: opts.id ?? this.newId('folder'),
      parentId,
      displayName,
      wellKnownName: opts.wellKnownName ?? null,
      containerClass: opts.containerClass ?? 'IPF.Note',
      isHidden: opts.isHidden ?? false,
      items: new Map(),
      tombstones: [],
      seq: this.nextSeq(),
    };
    this.folders.set(folder.id, folder);
    if (opts.wellKnownName) this.wellKnown.set(opts.wellKnownName, folder.id);
    return folder;
  }

  /** Accepts a folder id, a well-known name, or a display-name path such as "Inbox/Projects". */
  resolveFolder(ref: string): FolderRecord | undefined {
    const byId = this.folders.get(ref);
    if (byId) return byId;
    const known = this.wellKnownFolder(ref);
    if (known) return known;
    if (!ref.includes('/')) return this.childrenOf(this.root.id).find((f) => f.displayName.toLowerCase() === ref.toLowerCase());
    let current: FolderRecord | undefined = this.root;
    for (const part of ref.split('/').filter(Boolean)) {
      const parent: FolderRecord = current;
      current = this.childrenOf(parent.id).find((f) => f.displayName.toLowerCase() === part.toLowerCase())
        ?? (parent === this.root ? this.wellKnownFolder(part) : undefined);
      if (!current) return undefined;
    }
    return current;
  }

  childrenOf(folderId: string): FolderRecord[] {
    return [...this.folders.values()].filter((f) => f.parentId === folderId);
  }

  find(id: string): MessageRecord | undefined {
    return this.items.get(id);
  }

  allItems(): IterableIterator<MessageRecord> {
    return new Set(this.items.values()).values();
  }

  insert(folderId: string, item: NewItem): MessageRecord {
    const folder = this.mustFolder(folderId);
    const seq = this.nextSeq();
    const now = graphDate(new Date());
    const received = item.receivedDateTime ?? now;
    const rec: MessageRecord = {
      immutableId: this.newId('immutable'),
      restId: this.newId('message'),
      folderId,
      source: item.source,
      itemClass: item.itemClass ?? 'IPM.Note',
      seq,
      addedSeq: seq,
      createdDateTime: received,
      lastModifiedDateTime: received,
      receivedDateTime: received,
      isRead: item.isRead ?? false,
      isDraft: item.isDraft ?? false,
      categories: [],
      flagStatus: 'notFlagged',
      internetMessageId: item.internetMessageId,
    };
    folder.items.set(rec.immutableId, rec);
    this.index(rec);
    return rec;
  }

  update(rec: MessageRecord, patch: MessagePatch): MessageRecord {
    Object.assign(rec, patch);
    this.touch(rec);
    return rec;
  }

  /** Exchange gives a moved item a new id in the target folder; only the immutable id survives. */
  move(rec: MessageRecord, destFolderId: string): MessageRecord {
    const dest = this.mustFolder(destFolderId);
    this.detach(rec);
    this.items.delete(rec.restId);
    rec.restId = this.newId('message');
    rec.folderId = dest.id;
    this.touch(rec);
    rec.addedSeq = rec.seq;
    dest.items.set(rec.immutableId, rec);
    this.index(rec);
    return rec;
  }

  /** A Graph DELETE moves the item to Recoverable Items; permanentDelete purges it. */
  remove(rec: MessageRecord, permanent: boolean): void {
    const deletions = this.wellKnownFolder('recoverableitemsdeletions');
    if (!permanent && deletions && rec.folderId !== deletions.id) {
      this.move(rec, deletions.id);
      return;
    }
    this.detach(rec);
    this.items.delete(rec.restId);
    this.items.delete(rec.immutableId);
  }

  /** Renames or re-parents a folder; it shows up as changed in mailFolders/delta. */
  updateFolder(folder: FolderRecord, patch: { displayName?: string; parentId?: string }): FolderRecord {
    if (patch.displayName !== undefined) folder.displayName = patch.displayName;
    if (patch.parentId !== undefined) folder.parentId = patch.parentId;
    folder.seq = this.nextSeq();
    return folder;
  }

  /** Deletes a folder with its subfolders and items. */
  removeFolder(folder: FolderRecord): void {
    for (const child of this.childrenOf(folder.id)) this.removeFolder(child);
    for (const rec of folder.items.values()) {
      this.items.delete(rec.restId);
      this.items.delete(rec.immutableId);
    }
    this.folders.delete(folder.id);
    if (folder.wellKnownName) this.wellKnown.delete(folder.wellKnownName);
    this.folderTombstones.push({ id: folder.id, seq: this.nextSeq() });
  }

  private touch(rec: MessageRecord): void {
    rec.seq = this.nextSeq();
    rec.lastModifiedDateTime = graphDate(new Date());
    const folder = this.mustFolder(rec.folderId);
    folder.items.delete(rec.immutableId);
    folder.items.set(rec.immutableId, rec);
  }

  private detach(rec: MessageRecord): void {
    const folder = this.mustFolder(rec.folderId);
    folder.items.delete(rec.immutableId);
    folder.tombstones.push({ restId: rec.restId, immutableId: rec.immutableId, seq: this.nextSeq() });
  }

  private index(rec: MessageRecord): void {
    this.items.set(rec.restId, rec);
    this.items.set(rec.immutableId, rec);
  }

  private mustFolder(id: string): FolderRecord {
    const folder = this.folders.get(id);
    if (!folder) throw new Error(`unknown folder ${id}`);
    return folder;
  }
}
