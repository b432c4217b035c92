import type { MailFolder, Message, User } from '@microsoft/microsoft-graph-types';
import { buildUser } from './directory';
import type { AppRegistration, GroupRecord, NewUser, UserRecord } from './directory';
import { addNonMailItems, createDefaultFolders } from './folders-default';
import { guidFromSeed, newGuid } from './ids';
import { Mailbox } from './mailbox';
import type { FolderRecord, MessagePatch, MessageRecord, NewItem } from './mailbox';
import { bufferSource, parseMeta } from './mime';
import type { ParsedMeta } from './mime';
import { renderFolder, renderMessage } from './render';

export interface AddMessageOptions {
  receivedDateTime?: string;
  isRead?: boolean;
  isDraft?: boolean;
}

/**
 * An online archive (In-Place Archive) mailbox: the main archive keeps the whole folder tree; an
 * auxiliary archive (auto-expanding archiving) holds the content of "expanded" folders, which keep
 * their folder id (https://learn.microsoft.com/graph/handle-archive-mailbox-redirects).
 */
export interface ArchiveMailbox {
  mb: Mailbox;
  ownerId: string;
  kind: 'main' | 'auxiliary';
  /** Main archive: its auxiliary archive, once a folder was expanded. */
  auxiliaryId?: string;
  /** Main archive: folders whose content lives in the auxiliary archive. */
  expanded: Set<string>;
}

export interface FoundMessage {
  userId: string;
  folderId: string;
  message: Message;
}

/**
 * The in-memory tenant: directory (users, groups, app registrations) and Exchange mailboxes.
 * Methods used by tests go through the same change tracking as Graph writes, so they show up in delta.
 */
export class Tenant {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly apps = new Map<string, AppRegistration>();
  readonly mailboxes = new Map<string, Mailbox>();
  /** Online archive mailboxes by their `MBX:` id; never reachable by a user's id or UPN. */
  readonly archives = new Map<string, ArchiveMailbox>();
  /** Deleted users, for /users/delta. */
  readonly removedUsers: { id: string; seq: number }[] = [];
  /** Directory change sequence (users), independent of the mailboxes' sequences. */
  dirSeq = 0;
  private readonly metaCache = new Map<string, Promise<ParsedMeta>>();
  private keyCounter = 0;

  constructor(
    readonly id: string,
    readonly displayName: string,
    readonly domain: string,
  ) {}

  // ---- directory ----

  findUser(ref: string): UserRecord | undefined {
    const direct = this.users.get(ref) ?? this.users.get(ref.toLowerCase());
    if (direct) return direct;
    const lower = ref.toLowerCase();
    for (const rec of this.users.values()) {
      if (rec.user.userPrincipalName.toLowerCase() === lower) return rec;
    }
    return undefined;
  }

  getUser(ref: string): User | undefined {
    return this.findUser(ref)?.user;
  }

  listUsers(): User[] {
    return [...this.users.values()].map((r) => r.user);
  }

  /** Adds a directory user; users with a userPurpose (licensed users by default) get a mailbox. */
  addUser(input: Omit<NewUser, 'id'> & { id?: string }, opts: { nonMailItems?: boolean } = {}): User {
    const rec = buildUser({ ...input, id: input.id ?? newGuid() });
    if (this.findUser(rec.user.id) || this.findUser(rec.user.userPrincipalName)) {
      throw new Error(`user ${rec.user.userPrincipalName} already exists`);
    }
    rec.seq = ++this.dirSeq;
    this.users.set(rec.user.id, rec);
    if (rec.userPurpose) {
      const mb = new Mailbox(rec.user.id);
      createDefaultFolders(mb);
      if (opts.nonMailItems ?? true) addNonMailItems(mb, rec.user.mail ?? rec.user.userPrincipalName);
      this.mailboxes.set(rec.user.id, mb);
    }
    return rec.user;
  }

  updateUser(ref: string, patch: Partial<User>): User {
    const rec = this.mustUser(ref);
    Object.assign(rec.user, patch, { id: rec.user.id });
    rec.seq = ++this.dirSeq;
    return rec.user;
  }

  /** Deletes the directory object; the mailbox goes with it (Graph answers 404 afterwards). */
  removeUser(ref: string): void {
    const rec = this.mustUser(ref);
    this.users.delete(rec.user.id);
    this.mailboxes.delete(rec.user.id);
    for (const [id, archive] of this.archives) if (archive.ownerId === rec.user.id) this.archives.delete(id);
    this.removedUsers.push({ id: rec.user.id, seq: ++this.dirSeq });
    for (const g of this.groups.values()) g.memberIds = g.memberIds.filter((m) => m !== rec.user.id);
  }

  /** Replaces the admin-consented Graph application permissions of an app registration. */
  grantAppPermissions(clientId: string, roles: string[]): void {
    const app = this.apps.get(clientId);
    if (!app) throw new Error(`unknown app ${clientId}`);
    app.graphAppRoles = [...roles];
  }

  mustUser(ref: string): UserRecord {
    const rec = this.findUser(ref);
    if (!rec) throw new Error(`unknown user ${ref}`);
    return rec;
  }

  // ---- mailboxes ----

  mailbox(ref: string): Mailbox | undefined {
    const archive = this.archives.get(ref);
    if (archive) return archive.mb;
    const rec = this.findUser(ref);
    return rec ? this.mailboxes.get(rec.user.id) : undefined;
  }

  mustMailbox(ref: string): Mailbox {
    const mb = this.mailbox(ref);
    if (!mb) throw new Error(`user ${ref} has no mailbox`);
    return mb;
  }

  private mustFolder(mb: Mailbox, ref: string): FolderRecord {
    const folder = mb.resolveFolder(ref);
    if (!folder) throw new Error(`unknown folder ${ref}`);
    return folder;
  }

  private mustItem(mb: Mailbox, id: string): MessageRecord {
    const rec = mb.find(id);
    if (!rec) throw new Error(`unknown message ${id}`);
    return rec;
  }

  addFolder(user: string, parent: string, displayName: string, opts: { containerClass?: string; isHidden?: boolean } = {}): MailFolder {
    const mb = this.mustMailbox(user);
    const folder = mb.addFolder(this.mustFolder(mb, parent).id, displayName, opts);
    return renderFolder(folder, mb);
  }

  /** Renames and/or moves a folder (`parent`: id, well-known name or path). */
  updateFolder(user: string, folder: string, patch: { displayName?: string; parent?: string }): MailFolder {
    const mb = this.mustMailbox(user);
    const target = this.mustFolder(mb, folder);
    const parentId = patch.parent === undefined ? undefined : this.mustFolder(mb, patch.parent).id;
    return renderFolder(mb.updateFolder(target, { displayName: patch.displayName, parentId }), mb);
  }

  /** Deletes a folder, its subfolders and their items (distinguished folders cannot be deleted). */
  deleteFolder(user: string, folder: string): void {
    const mb = this.mustMailbox(user);
    const target = this.mustFolder(mb, folder);
    if (target.wellKnownName) throw new Error(`${target.displayName} is a distinguished folder and cannot be deleted`);
    mb.removeFolder(target);
  }

  listFolders(user: string): (MailFolder & { path: string; containerClass: string })[] {
    const mb = this.mustMailbox(user);
    const out: (MailFolder & { path: string; containerClass: string })[] = [];
    const walk = (folder: FolderRecord, path: string) => {
      for (const child of mb.childrenOf(folder.id)) {
        const childPath = path ? `${path}/${child.displayName}` : child.displayName;
        out.push({ ...renderFolder(child, mb), path: childPath, containerClass: child.containerClass });
        walk(child, childPath);
      }
    };
    walk(mb.root, '');
    return out;
  }

  /** Inserts raw MIME; the message JSON is derived once (mailparser) and cached. */
  async addMessage(user: string, folder: string, mime: Buffer, opts: AddMessageOptions = {}): Promise<Message> {
    const source = bufferSource(Buffer.from(mime), `mem:${++this.keyCounter}`);
    return this.insertItem(user, folder, { source, ...opts });
  }

  async insertItem(user: string, folder: string, item: NewItem): Promise<Message> {
    const mb = this.mustMailbox(user);
    const rec = mb.insert(this.mustFolder(mb, folder).id, item);
    return this.render(rec);
  }

  async moveMessage(user: string, messageId: string, destination: string): Promise<Message> {
    const mb = this.mustMailbox(user);
    const rec = mb.move(this.mustItem(mb, messageId), this.mustFolder(mb, destination).id);
    return this.render(rec);
  }

  async updateMessage(user: string, messageId: string, patch: MessagePatch): Promise<Message> {
    const mb = this.mustMailbox(user);
    return this.render(mb.update(this.mustItem(mb, messageId), patch));
  }

  deleteMessage(user: string, messageId: string, opts: { permanent?: boolean } = {}): void {
    const mb = this.mustMailbox(user);
    mb.remove(this.mustItem(mb, messageId), opts.permanent ?? false);
  }

  async listMessages(user: string, folder: string): Promise<Message[]> {
    const mb = this.mustMailbox(user);
    const items = [...this.mustFolder(mb, folder).items.values()];
    return Promise.all(items.map((rec) => this.render(rec)));
  }

  async getMessageMime(user: string, messageId: string): Promise<Buffer> {
    const mb = this.mustMailbox(user);
    return this.mustItem(mb, messageId).source.read();
  }

  async findMessagesByInternetMessageId(internetMessageId: string): Promise<FoundMessage[]> {
    const wanted = internetMessageId.replace(/^<|>$/g, '');
    const found: FoundMessage[] = [];
    for (const [userId, mb] of this.mailboxes) {
      for (const rec of mb.allItems()) {
        const meta = rec.internetMessageId ? null : await this.meta(rec);
        const imid = rec.internetMessageId ?? meta?.internetMessageId ?? '';
        if (imid.replace(/^<|>$/g, '') === wanted) found.push({ userId, folderId: rec.folderId, message: await this.render(rec) });
      }
    }
    return found;
  }

  /** Puts a mailbox over its storage quota (or back under it). */
  setOverQuota(user: string, overQuota: boolean): void {
    this.mustMailbox(user).overQuota = overQuota;
  }

  /** Invalidates every delta token of a mailbox: the next delta call answers 410 Gone. */
  resetSyncState(user: string): void {
    this.mustMailbox(user).epoch++;
  }

  // ---- online archives ----

  /**
   * Gives a user an online archive; returns its id as `settings/exchange` reports it. Ids are
   * opaque `MBX:` values, not derived from the user (clients must discover them).
   */
  enableArchive(user: string): string {
    const rec = this.mustUser(user);
    const existing = rec.archiveMailboxId;
    if (existing) return existing;
    const id = this.newArchiveId(rec.user.id, 'main');
    const mb = new Mailbox(id);
    const root = mb.addFolder(null, 'Top of Information Store', { wellKnownName: 'msgfolderroot', containerClass: '' });
    for (const name of ['Inbox', 'Sent Items', 'Deleted Items']) mb.addFolder(root.id, name);
    this.archives.set(id, { mb, ownerId: rec.user.id, kind: 'main', expanded: new Set() });
    rec.archiveMailboxId = id;
    return id;
  }

  /**
   * Auto-expanding archiving moves a folder's content to the auxiliary archive: the folder stays in
   * the main archive's tree, and reads of its content answer 308 to the auxiliary one. Returns the
   * auxiliary archive's id (add messages there, into the same folder id).
   */
  expandArchiveFolder(mainId: string, folderId: string): string {
    const main = this.archives.get(mainId);
    if (main?.kind !== 'main') throw new Error(`${mainId} is not a main archive`);
    const folder = this.mustFolder(main.mb, folderId);
    if (!main.auxiliaryId) {
      main.auxiliaryId = this.newArchiveId(main.ownerId, 'auxiliary');
      const aux = new Mailbox(main.auxiliaryId);
      aux.addFolder(null, 'Top of Information Store', { wellKnownName: 'msgfolderroot', containerClass: '' });
      this.archives.set(main.auxiliaryId, { mb: aux, ownerId: main.ownerId, kind: 'auxiliary', expanded: new Set() });
    }
    const aux = this.archives.get(main.auxiliaryId)!.mb;
    if (!aux.folders.has(folder.id)) aux.addFolder(aux.root.id, folder.displayName, { id: folder.id });
    main.expanded.add(folder.id);
    return main.auxiliaryId;
  }

  /** Opaque to clients; deterministic so that a seeded tenant looks the same on every run. */
  private newArchiveId(ownerId: string, kind: ArchiveMailbox['kind']): string {
    return `MBX:${guidFromSeed(`${ownerId}:${kind}-archive`).slice(0, 8)}@${this.id.slice(0, 8)}`;
  }

  // ---- rendering ----

  meta(rec: MessageRecord): Promise<ParsedMeta> {
    let meta = this.metaCache.get(rec.source.key);
    if (!meta) {
      meta = rec.source.read().then(parseMeta);
      this.metaCache.set(rec.source.key, meta);
    }
    return meta;
  }

  async render(rec: MessageRecord, immutable = false): Promise<Message> {
    return renderMessage(rec, await this.meta(rec), { immutable });
  }
}
