import type { MailFolder, SingleValueLegacyExtendedProperty } from '@microsoft/microsoft-graph-types';
import type { FolderRecord, Mailbox } from '../tenant/mailbox';
import { renderFolder } from '../tenant/render';
import { PERMS } from './auth';
import { badRequest, GraphError } from './errors';
import { parseFilter } from './filter';
import { folderFor, mailboxFor } from './mail-access';
import { applySelect, contextUrl, graphLink, parseSkip, parseTop, preferredPageSize, readToken, rejectUndocumented, selectFields, signToken } from './odata';
import type { GraphResponse, HandlerContext } from './types';
import { ok } from './users';

/** MAPI tag of PR_CONTAINER_CLASS as Graph names extended properties. */
const CONTAINER_CLASS = 'String 0x3613';

/**
 * `$expand=singleValueExtendedProperties($filter=id eq 'String 0x3613')` on a GET of one folder
 * or a folder listing — how Exchange clients tell mail folders (IPF.Note) from Calendar,
 * Contacts, Tasks and Notes folders
 * (https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get).
 */
function expandedIds(query: URLSearchParams): string[] | null {
  const expand = query.get('$expand');
  if (!expand) return null;
  const m = /singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(.+)\)\s*$/i.exec(expand);
  if (!m) throw badRequest('BadRequest', `Could not find a property named '${expand}' on type 'microsoft.graph.mailFolder'.`);
  return [...m[1]!.matchAll(/id\s+eq\s+'([^']+)'/gi)].map((x) => x[1]!.toLowerCase());
}

function folderJson(folder: FolderRecord, mb: Mailbox, query: URLSearchParams): MailFolder {
  const json = applySelect(renderFolder(folder, mb), selectFields(query)) as MailFolder;
  const ids = expandedIds(query);
  if (ids) {
    const props: SingleValueLegacyExtendedProperty[] = [];
    if (folder.containerClass && ids.includes(CONTAINER_CLASS.toLowerCase())) props.push({ id: CONTAINER_CLASS, value: folder.containerClass });
    json.singleValueExtendedProperties = props;
  }
  return json;
}

function listFolders(h: HandlerContext, parent: FolderRecord, mb: Mailbox, path: string): GraphResponse {
  const q = h.req.query;
  const includeHidden = q.get('includeHiddenFolders') === 'true';
  let folders = mb.childrenOf(parent.id).filter((f) => includeHidden || !f.isHidden);
  const filterText = q.get('$filter');
  if (filterText) {
    const filter = parseFilter(filterText, 'mailFolder');
    folders = folders.filter((f) => filter.test(renderFolder(f, mb) as Record<string, unknown>));
  }
  const top = parseTop(q, 10, 1000);
  const skip = parseSkip(q);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, `users('${mb.userId}')/mailFolders`) };
  if (q.get('$count') === 'true') body['@odata.count'] = folders.length;
  if (skip + top < folders.length) {
    const params: Record<string, string> = {};
    for (const [k, v] of q) params[k] = v;
    params.$skip = String(skip + top);
    body['@odata.nextLink'] = graphLink(h.env, path, params);
  }
  body.value = folders.slice(skip, skip + top).map((f) => folderJson(f, mb, q));
  return ok(body);
}

/** Top level only (children of msgfolderroot); 10 per page by default. */
export async function listTopFolders(h: HandlerContext): Promise<GraphResponse> {
  const { mb } = mailboxFor(h, PERMS.mailBasic);
  return listFolders(h, mb.root, mb, `/users/${mb.userId}/mailFolders`);
}

export async function listChildFolders(h: HandlerContext): Promise<GraphResponse> {
  const { mb } = mailboxFor(h, PERMS.mailBasic);
  const parent = folderFor(mb, h.params.folder!);
  return listFolders(h, parent, mb, `/users/${mb.userId}/mailFolders/${parent.id}/childFolders`);
}

export async function getFolder(h: HandlerContext): Promise<GraphResponse> {
  const { mb } = mailboxFor(h, PERMS.mailBasic);
  const folder = folderFor(mb, h.params.folder!);
  return ok({ '@odata.context': contextUrl(h.env, `users('${mb.userId}')/mailFolders/$entity`), ...folderJson(folder, mb, h.req.query) });
}

function jsonBody(h: HandlerContext): Record<string, unknown> {
  try {
    const value = JSON.parse(h.req.body.toString('utf8') || '{}');
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('BadRequest', 'Empty Payload. JSON content expected.');
}

function createIn(h: HandlerContext, parentRef: string | null): GraphResponse {
  const { mb } = mailboxFor(h, PERMS.mailWrite);
  const parent = parentRef ? folderFor(mb, parentRef) : mb.root;
  const body = jsonBody(h);
  if (typeof body.displayName !== 'string' || !body.displayName.trim()) {
    throw badRequest('ErrorInvalidRequest', 'The request is invalid: displayName is required.');
  }
  const name = body.displayName.trim();
  if (mb.childrenOf(parent.id).some((f) => f.displayName.toLowerCase() === name.toLowerCase())) {
    throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const folder = mb.addFolder(parent.id, name, { isHidden: body.isHidden === true });
  const res = ok({ '@odata.context': contextUrl(h.env, `users('${mb.userId}')/mailFolders/$entity`), ...renderFolder(folder, mb) });
  return { ...res, status: 201 };
}

export async function createTopFolder(h: HandlerContext): Promise<GraphResponse> {
  return createIn(h, null);
}

export async function createChildFolder(h: HandlerContext): Promise<GraphResponse> {
  return createIn(h, h.params.folder!);
}

function writableFolder(h: HandlerContext): { mb: Mailbox; folder: FolderRecord } {
  const { mb } = mailboxFor(h, PERMS.mailWrite);
  const folder = folderFor(mb, h.params.folder!);
  if (folder.wellKnownName) throw badRequest('ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted, moved or renamed.');
  return { mb, folder };
}

export async function patchFolder(h: HandlerContext): Promise<GraphResponse> {
  const { mb, folder } = writableFolder(h);
  const body = jsonBody(h);
  if (typeof body.displayName === 'string' && body.displayName.trim()) mb.updateFolder(folder, { displayName: body.displayName.trim() });
  return ok({ '@odata.context': contextUrl(h.env, `users('${mb.userId}')/mailFolders/$entity`), ...renderFolder(folder, mb) });
}

export async function deleteFolder(h: HandlerContext): Promise<GraphResponse> {
  const { mb, folder } = writableFolder(h);
  mb.removeFolder(folder);
  return { status: 204, headers: {} };
}

export async function moveFolder(h: HandlerContext): Promise<GraphResponse> {
  const { mb, folder } = writableFolder(h);
  const dest = jsonBody(h).destinationId;
  if (typeof dest !== 'string') throw badRequest('ErrorInvalidRequest', 'The destinationId parameter is required.');
  mb.updateFolder(folder, { parentId: folderFor(mb, dest).id });
  return { ...ok({ '@odata.context': contextUrl(h.env, `users('${mb.userId}')/mailFolders/$entity`), ...renderFolder(folder, mb) }), status: 201 };
}

/** `o` keeps the first request's $select: Graph applies it to every later page and round. */
interface FolderDeltaToken { k: 'fd'; u: string; e: number; s: number; up?: number; c?: number; o?: { select?: string } }

/**
 * Query options mailFolder delta documents: `$select` on the first request, the state tokens
 * after (https://learn.microsoft.com/en-us/graph/api/mailfolder-delta).
 */
const FOLDER_DELTA_OPTIONS = ['$select', '$deltatoken', '$skiptoken'];

/**
 * GET /users/{id}/mailFolders/delta: the whole folder tree (flat), then only changed folders.
 * Delta keeps sync state in the mailbox, so a mailbox at its storage quota refuses it with
 * 403 ErrorQuotaExceeded while ordinary folder reads go on working (same page).
 */
export async function foldersDelta(h: HandlerContext): Promise<GraphResponse> {
  const { mb } = mailboxFor(h, PERMS.mailBasic);
  const path = `/users/${mb.userId}/mailFolders/delta`;
  const q = h.req.query;
  rejectUndocumented(q, FOLDER_DELTA_OPTIONS, 'Folders');
  if (mb.overQuota) {
    throw new GraphError(403, 'ErrorQuotaExceeded', 'The mailbox has reached its storage quota. Reduce mailbox usage below the quota and retry the request.');
  }
  const raw = q.get('$skiptoken') ?? q.get('$deltatoken');
  const token = raw ? readToken<FolderDeltaToken>(h.env, raw) : { k: 'fd' as const, u: mb.userId, e: mb.epoch, s: 0 };
  if (!token || token.k !== 'fd' || token.u !== mb.userId || token.e !== mb.epoch) {
    throw new GraphError(410, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.', { location: graphLink(h.env, path) });
  }
  const o = token.o ?? firstOptions(q);
  const upTo = token.up ?? mb.seq;
  const after = token.c ?? token.s;
  const inRange = (seq: number) => seq > after && seq <= upTo;
  const changed: { seq: number; folder?: FolderRecord; id?: string }[] = [...mb.folders.values()]
    .filter((f) => inRange(f.seq) && isInTree(mb, f))
    .map((folder) => ({ seq: folder.seq, folder }));
  // A first sync has nothing to forget; later rounds report deleted folders.
  if (token.s > 0) changed.push(...mb.folderTombstones.filter((t) => inRange(t.seq)).map((t) => ({ seq: t.seq, id: t.id })));
  changed.sort((a, b) => a.seq - b.seq);
  const size = preferredPageSize(h.req.headers) ?? 10;
  const page = changed.slice(0, size);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, 'Collection(mailFolder)') };
  if (page.length < changed.length) {
    body['@odata.nextLink'] = graphLink(h.env, path, { $skiptoken: signToken(h.env, { ...token, o, up: upTo, c: page[page.length - 1]!.seq }) });
  } else {
    body['@odata.deltaLink'] = graphLink(h.env, path, { $deltatoken: signToken(h.env, { k: 'fd', u: mb.userId, e: mb.epoch, s: upTo, o }) });
  }
  const effective = new URLSearchParams();
  if (o.select) effective.set('$select', o.select);
  body.value = page.map((c) => ({
    '@odata.type': '#microsoft.graph.mailFolder',
    ...(c.folder ? folderJson(c.folder, mb, effective) : { id: c.id, '@removed': { reason: 'deleted' } }),
  }));
  return ok(body);
}

function firstOptions(q: URLSearchParams): { select?: string } {
  return q.get('$select') ? { select: q.get('$select')! } : {};
}

function isInTree(mb: Mailbox, f: FolderRecord): boolean {
  let cur: FolderRecord | undefined = f;
  while (cur?.parentId) {
    if (cur.parentId === mb.root.id) return true;
    cur = mb.folders.get(cur.parentId);
  }
  return false;
}
