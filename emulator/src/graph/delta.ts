import type { FolderRecord, Mailbox, MessageRecord, Tombstone } from '../tenant/mailbox';
import { PERMS } from './auth';
import { badRequest, GraphError } from './errors';
import { requestedProperties } from './extended-properties';
import { folderFor, mailboxFor, messageJson } from './mail-access';
import { applySelect, contextUrl, graphLink, preferredPageSize, readToken, rejectUndocumented, selectFields, signToken } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok } from './users';

type ChangeType = 'created' | 'updated' | 'deleted';

/** Query options of the round's first request, carried inside every later token. */
interface DeltaOptions {
  select?: string;
  changeType?: ChangeType;
  since?: { op: 'ge' | 'gt'; value: string };
  immutable?: boolean;
  /** Extended properties to expand (message delta documents `$expand`). */
  expand?: string[];
}

/**
 * State token: a round covers changes with seq in (from, upTo]; `cursor` is the last seq served
 * within the round. `epoch` invalidates tokens after a sync reset.
 */
interface DeltaToken {
  k: 'md';
  u: string;
  f: string;
  e: number;
  from: number;
  upTo?: number;
  cursor?: number;
  o: DeltaOptions;
}

type Change = { seq: number; item?: MessageRecord; tomb?: Tombstone };

/**
 * Ten per page unless `Prefer: odata.maxpagesize`; `$top` does not change a delta page
 * (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/6457).
 */
const DEFAULT_PAGE = 10;
/** What message delta documents (https://learn.microsoft.com/en-us/graph/api/message-delta); no $search, $count, $skip. */
const MESSAGE_DELTA_OPTIONS = ['$select', '$top', '$expand', '$filter', '$orderby', 'changeType', '$deltatoken', '$skiptoken'];
const MAX_PAGE = 1000;

/**
 * GET /users/{id}/mailFolders/{id}/messages/delta
 * (https://learn.microsoft.com/en-us/graph/delta-query-messages). Per folder; pages end with a
 * nextLink ($skiptoken) or a deltaLink ($deltatoken). Moved-out and deleted items come back as
 * `@removed`; moved-in ones as new items. Unknown or reset tokens: 410 Gone with a Location for a
 * fresh sync (https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset).
 */
export async function messagesDelta(h: HandlerContext): Promise<GraphResponse> {
  const { mb } = mailboxFor(h, PERMS.mailBasic);
  rejectUndocumented(h.req.query, MESSAGE_DELTA_OPTIONS, 'Messages');
  const folder = folderFor(mb, h.params.folder!);
  const path = `/users/${mb.userId}/mailFolders('${folder.id}')/messages/delta`;
  const token = readState(h, mb, folder, path);
  const upTo = token.upTo ?? mb.seq;
  const after = token.cursor ?? token.from;
  const changes = collect(folder, token, after, upTo);
  const size = Math.min(MAX_PAGE, preferredPageSize(h.req.headers) ?? DEFAULT_PAGE);
  const page = changes.slice(0, size);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, 'Collection(message)') };
  if (page.length < changes.length) {
    const next: DeltaToken = { ...token, upTo, cursor: page[page.length - 1]!.seq };
    body['@odata.nextLink'] = graphLink(h.env, path, { $skiptoken: signToken(h.env, next) });
  } else {
    const done: DeltaToken = { k: 'md', u: mb.userId, f: folder.id, e: mb.epoch, from: upTo, o: token.o };
    body['@odata.deltaLink'] = graphLink(h.env, path, { $deltatoken: signToken(h.env, done) });
  }
  const fields = token.o.select ? token.o.select.split(',').map((s) => s.trim()) : selectFields(h.req.query);
  const immutable = h.immutableIds || token.o.immutable === true;
  body.value = await Promise.all(page.map(async (c) => {
    if (c.tomb) {
      return { '@odata.type': '#microsoft.graph.message', id: immutable ? c.tomb.immutableId : c.tomb.restId, '@removed': { reason: 'deleted' } };
    }
    return { '@odata.type': '#microsoft.graph.message', ...applySelect(await messageJson(h, c.item!, immutable, token.o.expand), fields) };
  }));
  return ok(body);
}

function readState(h: HandlerContext, mb: Mailbox, folder: FolderRecord, path: string): DeltaToken {
  const q = h.req.query;
  const raw = q.get('$skiptoken') ?? q.get('$deltatoken');
  if (raw === null) return { k: 'md', u: mb.userId, f: folder.id, e: mb.epoch, from: 0, o: firstRequestOptions(h) };
  const token = readToken<DeltaToken>(h.env, raw);
  if (!token || token.k !== 'md' || token.u !== mb.userId || token.f !== folder.id || token.e !== mb.epoch) {
    throw new GraphError(410, 'syncStateNotFound',
      'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
      { location: graphLink(h.env, path) });
  }
  return token;
}

function firstRequestOptions(h: HandlerContext): DeltaOptions {
  const q = h.req.query;
  const o: DeltaOptions = {};
  const select = q.get('$select');
  if (select) o.select = select;
  const changeType = q.get('changeType');
  if (changeType) {
    if (!['created', 'updated', 'deleted'].includes(changeType)) throw badRequest('ErrorInvalidParameter', `Invalid changeType '${changeType}'.`);
    o.changeType = changeType as ChangeType;
  }
  const filter = q.get('$filter');
  if (filter) {
    // The only filters message delta supports (https://learn.microsoft.com/en-us/graph/api/message-delta).
    const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
    const time = m ? Date.parse(m[2]!.replace(/^'|'$/g, '')) : NaN;
    if (!m || Number.isNaN(time)) throw badRequest('ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
    o.since = { op: m[1]!.toLowerCase() as 'ge' | 'gt', value: new Date(time).toISOString() };
  }
  if (h.immutableIds) o.immutable = true;
  const expand = requestedProperties(q);
  if (expand) o.expand = expand;
  return o;
}

function collect(folder: FolderRecord, token: DeltaToken, after: number, upTo: number): Change[] {
  const { changeType, since } = token.o;
  const changes: Change[] = [];
  if (changeType !== 'deleted') {
    for (const item of folder.items.values()) {
      if (item.seq <= after || item.seq > upTo) continue;
      const isNew = item.addedSeq > token.from;
      if (changeType === 'created' && !isNew) continue;
      if (changeType === 'updated' && isNew) continue;
      if (since && !matchesSince(item, since)) continue;
      changes.push({ seq: item.seq, item });
    }
  }
  // A first sync has nothing to forget, so it carries no @removed entries.
  if (token.from > 0 && (!changeType || changeType === 'deleted')) {
    for (const tomb of folder.tombstones) {
      if (tomb.seq > after && tomb.seq <= upTo) changes.push({ seq: tomb.seq, tomb });
    }
  }
  return changes.sort((a, b) => a.seq - b.seq);
}

function matchesSince(item: MessageRecord, since: NonNullable<DeltaOptions['since']>): boolean {
  const t = Date.parse(item.receivedDateTime);
  const limit = Date.parse(since.value);
  return since.op === 'ge' ? t >= limit : t > limit;
}
