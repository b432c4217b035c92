import type { MailFolder } from '@microsoft/microsoft-graph-types';
import { sendBatch } from '../graph/batch';
import { memberStates, tallyMembers, type FolderTally } from '../store/members';
import { listOwed, removePending, type PendingItem } from '../store/pending';
import type { FailedMessage, FolderCompleteness, Missing } from '../store/runs';
import { mailboxRef, type CrawlContext } from './context';
import { crawlFolder } from './crawl-folder';
import type { SelectedFolder } from './folders';

/** Failed-for-good messages kept with a mailbox of a run (all of them stay in the pending work). */
const FAILED_KEPT = 50;

export interface MailboxCompleteness {
  folders: FolderCompleteness[];
  failedMessages: FailedMessage[];
  missing: Missing;
}

/**
 * The completeness report of one mailbox, computed by its crawl at the end (no crawl of its
 * own): per selected folder, Graph's `totalItemCount` beside what the folder ledger says the
 * archive holds of the folder's messages, filtered out, owed and failed for good
 * (store/members.ts). Verdicts:
 *  - complete: the folder's round is done, nothing owed or failed, and Graph's count equals
 *    held + filtered;
 *  - catching up: something is owed, the crawl of the folder did not finish, or the folder
 *    changed while it was checked;
 *  - gaps: a message failed for good, or the counts differ although the folder was quiet: a
 *    second delta round right after found no change, and Graph's count stayed the same.
 */
export async function assessMailbox(ctx: CrawlContext, selected: SelectedFolder[]): Promise<MailboxCompleteness> {
  const failedMessages = await failedForGood(ctx);
  const counts = await folderCounts(ctx, selected);
  const tallies = await tallyMembers(ctx.store.conn, mailboxRef(ctx));
  const folders: FolderCompleteness[] = [];
  for (const folder of selected) {
    const tally = tallies.get(folder.id) ?? { held: 0, filtered: 0, owed: 0, failed: 0 };
    const inMailbox = counts.get(folder.id) ?? null;
    const judged = await judge(ctx, folder, tally, inMailbox);
    folders.push({ folderId: folder.id, path: folder.path, inMailbox, ...tally, ...judged, checkedAt: new Date() });
  }
  const missing: Missing = {
    owed: folders.reduce((n, f) => n + f.owed, 0),
    failed: folders.reduce((n, f) => n + f.failed, 0),
    incompleteFolders: folders.filter((f) => !ctx.tally.roundComplete(f.folderId)).length,
    gapFolders: folders.filter((f) => f.verdict === 'gaps' && f.failed === 0).length,
  };
  return { folders, failedMessages, missing };
}

async function judge(ctx: CrawlContext, folder: SelectedFolder, t: FolderTally, inMailbox: number | null): Promise<Pick<FolderCompleteness, 'verdict' | 'reason'>> {
  if (t.failed > 0) return { verdict: 'gaps', reason: `${t.failed} message(s) failed for good; an administrator can retry them` };
  if (!ctx.tally.roundComplete(folder.id)) return { verdict: 'catching-up', reason: "the folder's crawl did not finish in this run; the next run continues it" };
  if (t.owed > 0) return { verdict: 'catching-up', reason: `${t.owed} message(s) owed: their download failed and is retried on a schedule` };
  if (inMailbox === null) return { verdict: 'catching-up', reason: "Microsoft Graph did not report the folder's item count" };
  if (inMailbox === t.held + t.filtered) return { verdict: 'complete', reason: null };
  // Mail that arrived or left after the folder's round explains a difference: look again.
  const changes = await crawlFolder(ctx, folder);
  const again = (await folderCounts(ctx, [folder])).get(folder.id);
  if (changes > 0 || again !== inMailbox) return { verdict: 'catching-up', reason: 'the folder changed while it was checked; the next run compares again' };
  return { verdict: 'gaps', reason: `Microsoft Graph counts ${inMailbox} items, the archive accounts for ${t.held + t.filtered}, and the folder was quiet` };
}

/** Each folder's `totalItemCount`, read in `$batch` calls of 20 (after the crawl; before a first archive, for its time left). */
export async function folderCounts(ctx: CrawlContext, folders: SelectedFolder[]): Promise<Map<string, number>> {
  const requests = folders.map((f, i) => ({ id: String(i), method: 'GET' as const, url: `/users/${ctx.mailbox.id}/mailFolders/${f.id}?$select=totalItemCount` }));
  const answers = requests.length ? await sendBatch(ctx.graph, requests, ctx.signal) : new Map();
  const counts = new Map<string, number>();
  for (const [i, f] of folders.entries()) {
    const answer = answers.get(String(i));
    const total = answer?.status === 200 ? (answer.body as MailFolder).totalItemCount : undefined;
    if (typeof total === 'number') counts.set(f.id, total);
  }
  return counts;
}

/**
 * The mailbox's messages that failed for good, for the run and the dashboard. An owed or failed
 * item whose message the ledger says is held now was archived when delta offered it again: its
 * pending entry is stale and goes.
 */
async function failedForGood(ctx: CrawlContext): Promise<FailedMessage[]> {
  const owed = await listOwed(ctx.store.conn, ctx.profileId, ctx.mailbox.id);
  const states = await memberStates(ctx.store.conn, mailboxRef(ctx), owed.map((p) => p.messageId));
  const failed: PendingItem[] = [];
  for (const item of owed) {
    const state = states.get(item.messageId);
    if (state === 'held' || state === 'filtered') await removePending(ctx.store.conn, item._id);
    else if (item.state === 'failed') failed.push(item);
  }
  return failed.slice(0, FAILED_KEPT).map((p) => ({
    id: p._id,
    messageId: p.messageId,
    folder: p.folderPath,
    subject: p.subject ?? '',
    lastError: p.lastError ?? '',
    attempts: p.attempts ?? 0,
  }));
}

/** One line an auditor can quote: what Graph said the folder held, and what the archive holds. */
export function statementOf(upn: string, f: FolderCompleteness): string {
  const when = new Date(f.checkedAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const held = f.inMailbox === null ? 'Microsoft Graph did not report its item count' : `held ${f.inMailbox} item${f.inMailbox === 1 ? '' : 's'}`;
  const parts = [`the archive holds ${f.held}`];
  if (f.filtered) parts.push(`${f.filtered} filtered out by the profile`);
  if (f.owed) parts.push(`${f.owed} owed (retrying)`);
  if (f.failed) parts.push(`${f.failed} failed for good`);
  return `On ${when}, mailbox ${upn} folder "${f.path}" ${held}; ${parts.join(', ')}. Verdict: ${f.verdict.replace('-', ' ')}.`;
}
