import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { ChatMessage } from '@microsoft/microsoft-graph-types';
import { archiveStored, settleAll, storeMessage, type ArchiveEntry } from '../ingest';
import type { GraphPage } from '../graph/paging';
import { claimSources } from '../store/items';
import { setRunMailbox } from '../store/runs';
import { saveFolderLink } from '../store/sync-state';
import { mailboxRef, type CrawlContext, type PartialCounts } from '../archiving/context';
import { Conversations } from './conversations';
import { eventOf, renderChatMessage, type Conversation } from './mime';
import type { TeamsSource } from './profile';
import { rawValueElements } from './raw-json';

/** The sync-state slot of a Teams crawl: one per profile and user (chats) or team (channels). */
const SLOT = 'teams';
const PAGE_SIZE = 50;
/**
 * Each round re-reads this much before the last round's end: a message stamped just before the
 * end but indexed just after it is caught by the next round. Re-read versions are known by
 * their source key and cost no download.
 */
const OVERLAP_MS = 10 * 60_000;

/**
 * Archives one user's chats or one team's channels through the export APIs, in rounds of a
 * `lastModifiedDateTime` window (`gt` the last round's end minus the overlap, `lt` this run's
 * start): every version a round sees (created, edited, deleted) is archived as its own message.
 * The slot holds the round's end with the next page while a round runs, and `done:<end>` after
 * it, written with each page's counts once the page is archived: a crash resumes at the page.
 */
export async function crawlTeams(ctx: CrawlContext): Promise<void> {
  const { conn } = ctx.store;
  const started = Date.now();
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { status: 'running', startedAt: new Date(), foldersTotal: 1, foldersDone: 0 });
  await ctx.tally.loadFolders([SLOT]);
  const source = ctx.settings.source as TeamsSource;
  const state = parseSlot(ctx.tally.folderLink(SLOT));
  const end = state.end ?? ctx.now.toISOString();
  let link = state.next ?? firstLink(ctx, source, state.doneUpTo, end);
  const convs = new Conversations(ctx.graph);
  const team = source.kind === 'teams-channels' ? { id: ctx.mailbox.id, name: ctx.mailbox.upn } : null;
  const archives = team ? (await convs.teamMembers(team)).map((m) => m.userId) : [ctx.archiveId];
  for (;;) {
    ctx.signal.throwIfAborted();
    const text = await pageText(ctx, link);
    const page = JSON.parse(text) as GraphPage<ChatMessage>;
    const raws = rawValueElements(text);
    if (raws.length !== page.value.length) throw new Error(`a Graph page of ${page.value.length} chat messages split into ${raws.length}`);
    const counts = await archivePage(ctx, { convs, team, archives }, page.value.map((msg, i) => ({ msg, raw: raws[i]! })), unitOf(ctx, link));
    const next = page['@odata.nextLink'];
    const saved = next ? `${end}|${next}` : `done:${end}`;
    const slotCounts = ctx.tally.folderWith(SLOT, counts);
    await saveFolderLink(conn, { ...mailboxRef(ctx), folderId: SLOT }, saved, !next, { runId: ctx.runId, counts: slotCounts });
    ctx.tally.committedFolder(SLOT, slotCounts, saved, !next);
    await ctx.tally.publish();
    if (!next) break;
    link = next;
  }
  await setRunMailbox(conn, ctx.runId, ctx.mailbox.id, { foldersDone: 1, durationMs: Date.now() - started });
}

/**
 * A page's text as Graph sent it (the raw elements are kept); an error answer is thrown as the
 * SDK throws it for JSON, with Graph's code and message (a text response type hides them).
 */
async function pageText(ctx: CrawlContext, link: string): Promise<string> {
  const res: Response = await ctx.graph.api(link).responseType(ResponseType.RAW).get();
  const text = await res.text();
  if (res.ok) return text;
  let error: { code?: string; message?: string } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // Not JSON: the status says what there is to say.
  }
  throw Object.assign(new Error(error.message ?? `HTTP ${res.status}`), { statusCode: res.status, code: error.code ?? '' });
}

function parseSlot(saved: string | null): { end?: string; next?: string; doneUpTo?: string } {
  if (!saved) return {};
  if (saved.startsWith('done:')) return { doneUpTo: saved.slice(5) };
  const bar = saved.indexOf('|');
  return { end: saved.slice(0, bar), next: saved.slice(bar + 1) };
}

function firstLink(ctx: CrawlContext, source: TeamsSource, doneUpTo: string | undefined, end: string): string {
  const path = source.kind === 'teams-chats' ? `/users/${ctx.mailbox.id}/chats/getAllMessages` : `/teams/${ctx.mailbox.id}/channels/getAllMessages`;
  const after = doneUpTo ? new Date(Date.parse(doneUpTo) - OVERLAP_MS).toISOString() : ctx.settings.filters.receivedAfter?.toISOString();
  const filter = [after ? `lastModifiedDateTime gt ${after}` : '', `lastModifiedDateTime lt ${end}`].filter(Boolean).join(' and ');
  const model = source.paymentModel === 'evaluation' ? '' : `model=${source.paymentModel}&`;
  return `${path}?${model}$top=${PAGE_SIZE}&$filter=${encodeURIComponent(filter)}`;
}

const unitOf = (ctx: CrawlContext, link: string) => `${ctx.runId}:${createHash('sha256').update(link).digest('base64url').slice(0, 22)}`;

interface PageScope {
  convs: Conversations;
  team: { id: string; name: string } | null;
  /** The archives every line of this crawl goes to: the user's own, or each member's of the team. */
  archives: string[];
}

/**
 * A page of chat messages: each version not yet in every archive is rendered, stored once
 * (single instance) and added to the archives that lack it, in one batch.
 */
async function archivePage(ctx: CrawlContext, scope: PageScope, lines: { msg: ChatMessage; raw: string }[], unit: string): Promise<PartialCounts> {
  const keys = lines.map(({ msg }) => `${msg.id}@${msg.lastModifiedDateTime}`);
  const known = await Promise.all(scope.archives.map((a) => claimSources(ctx.store.conn, a, ctx.mailbox.id, keys)));
  const missing = keys.map((key) => scope.archives.filter((_, a) => !known[a]!.has(key)));
  // Rendered and stored within the crawl's in-flight bound, as mailbox messages are.
  const stored = await settleAll(lines.map(async ({ msg, raw }, i) => (missing[i]!.length === 0 ? null : ctx.inFlight.run(async () => {
    const conv = await conversationOf(scope, msg);
    return { conv, stored: await storeMessage(ctx.store, Readable.from(renderChatMessage(raw, msg, conv))) };
  }))));
  const entries: ArchiveEntry[] = [];
  const counts = { found: lines.length, archived: 0, alreadyArchived: 0, bytes: 0 };
  for (const [i, done] of stored.entries()) {
    if (!done) {
      counts.alreadyArchived++;
      continue;
    }
    const { conv } = done;
    const folder = conv.kind === 'chat' ? `Teams Chats/${clean(conv.title)}` : `Teams/${conv.title.split(' / ').map(clean).join('/')}`;
    const source = { kind: 'graph' as const, mailboxId: ctx.mailbox.id, folderId: conv.id, messageId: keys[i]! };
    for (const archiveId of missing[i]!) entries.push({ archiveId, folder, receivedAt: new Date(eventOf(lines[i]!.msg).at), source, stored: done.stored, unit });
    counts.archived++;
    counts.bytes += done.stored.size;
  }
  if (entries.length > 0) await archiveStored(ctx.store, entries);
  return counts;
}

function conversationOf(scope: PageScope, msg: ChatMessage): Promise<Conversation> {
  if (scope.team && msg.channelIdentity?.channelId) return scope.convs.channel(scope.team, msg.channelIdentity.channelId);
  return scope.convs.chat(msg.chatId ?? 'unknown-chat');
}

/** A folder name: no path separator inside a chat's or channel's title. */
const clean = (s: string) => s.replace(/[/\\]/g, '-').trim() || 'untitled';
