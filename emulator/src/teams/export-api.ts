import type { ChatMessage } from '@microsoft/microsoft-graph-types';
import { allowed, type Need } from '../graph/auth';
import { badRequest, directoryDenied, GraphError, notFound } from '../graph/errors';
import { contextUrl, graphLink, parseTop, readToken, signToken } from '../graph/odata';
import type { GraphResponse, HandlerContext } from '../graph/types';
import { ok } from '../graph/users';
import { teamworkOf, type Teamwork } from './model';
import { TeamsThrottle } from './throttle';

/**
 * The Teams export APIs (https://learn.microsoft.com/en-us/graph/teams-export-api-overview):
 * GET /users/{id}/chats/getAllMessages (https://learn.microsoft.com/en-us/graph/api/chats-getallmessages)
 * and GET /teams/{id}/channels/getAllMessages (https://learn.microsoft.com/en-us/graph/api/channel-getallmessages).
 * Application permissions only; protected APIs (the app must be approved by Microsoft); metered
 * (`model=A|B`, evaluation mode without it); `$top` and a date range on `lastModifiedDateTime`
 * (`gt` and `lt`) are the documented query options.
 */
const CHAT_EXPORT: Need = { app: ['Chat.Read.All', 'Chat.ReadWrite.All'], delegated: [] };
const CHANNEL_EXPORT: Need = { app: ['ChannelMessage.Read.All'], delegated: [] };
const DEFAULT_TOP = 20;
const MAX_TOP = 50;

interface PageToken { k: 'tx'; after: [string, string]; gt?: string; lt?: string; top: number }

export async function chatsGetAllMessages(h: HandlerContext): Promise<GraphResponse> {
  const tw = exportAllowed(h, CHAT_EXPORT);
  const user = h.env.tenant.findUser(h.params.user!);
  if (!user) throw notFound('NotFound', `User '${h.params.user}' was not found.`);
  tw.throttle.take(h.principal.appId, null);
  return exportPage(h, tw.model.messagesOfUser(user.user.id!), `/users/${h.params.user}/chats/getAllMessages`, 'chatMessages');
}

export async function channelsGetAllMessages(h: HandlerContext): Promise<GraphResponse> {
  const tw = exportAllowed(h, CHANNEL_EXPORT);
  const team = tw.model.teams.get(h.params.team!);
  if (!team) throw notFound('NotFound', `No team found with Group Id ${h.params.team}`);
  tw.throttle.take(h.principal.appId, team.id);
  return exportPage(h, team.channels.flatMap((c) => c.messages), `/teams/${team.id}/channels/getAllMessages`, 'chatMessages');
}

const throttles = new WeakMap<Teamwork, TeamsThrottle>();

function exportAllowed(h: HandlerContext, need: Need): { model: Teamwork; throttle: TeamsThrottle } {
  if (h.principal.kind !== 'app') throw new GraphError(403, 'Forbidden', 'This API is not supported in delegated context; use application permissions.');
  if (!allowed(h.principal, need)) throw directoryDenied();
  const model = teamworkOf(h.env.tenant);
  if (!model.protectedApiApproved) {
    throw new GraphError(403, 'Forbidden', 'Invoked API requires Protected API access in application-only context when not using Resource Specific Consent. Visit https://docs.microsoft.com/en-us/graph/teams-protected-apis for more details.');
  }
  const modelParam = h.req.query.get('model');
  if (modelParam !== null && modelParam !== 'A' && modelParam !== 'B') {
    throw badRequest('BadRequest', `Invalid value '${modelParam}' for the model query parameter; supported values are A and B (https://learn.microsoft.com/en-us/graph/teams-licenses).`);
  }
  let throttle = throttles.get(model);
  if (!throttle) throttles.set(model, (throttle = new TeamsThrottle(() => model.limits)));
  return { model, throttle };
}

/**
 * One page, oldest change first. Paging is by keyset (lastModifiedDateTime, id): an edit made
 * between two pages moves its message behind the cursor, into the next window, rather than
 * shifting every later page as an offset would.
 */
function exportPage(h: HandlerContext, all: ChatMessage[], path: string, context: string): GraphResponse {
  const q = h.req.query;
  const skip = q.get('$skiptoken');
  const token = skip ? readToken<PageToken>(h.env, skip) : firstToken(q);
  if (!token || token.k !== 'tx') throw badRequest('BadRequest', 'Invalid paging token.');
  const key = (m: ChatMessage): [string, string] => [m.lastModifiedDateTime!, m.id!.padStart(16, '0')];
  const later = (a: [string, string], b: [string, string]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  const inWindow = all
    .filter((m) => (!token.gt || Date.parse(m.lastModifiedDateTime!) > Date.parse(token.gt)) && (!token.lt || Date.parse(m.lastModifiedDateTime!) < Date.parse(token.lt)))
    .filter((m) => later(key(m), token.after))
    .sort((a, b) => (later(key(a), key(b)) ? 1 : -1));
  const page = inWindow.slice(0, token.top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(h.env, context) };
  if (inWindow.length > page.length) {
    const next: PageToken = { ...token, after: key(page[page.length - 1]!) };
    const params: Record<string, string | undefined> = { model: q.get('model') ?? undefined, $skiptoken: signToken(h.env, next) };
    body['@odata.nextLink'] = graphLink(h.env, path, params);
  }
  body.value = page;
  return ok(body);
}

const DOCUMENTED = new Set(['$top', '$filter', 'model']);

function firstToken(q: URLSearchParams): PageToken {
  for (const k of q.keys()) {
    if (!DOCUMENTED.has(k.toLowerCase())) throw badRequest('BadRequest', `Query option '${k}' is not supported by this API.`);
  }
  return { k: 'tx', after: ['', ''], top: parseTop(q, DEFAULT_TOP, MAX_TOP), ...parseWindow(q.get('$filter')) };
}

const CLAUSE = /^\s*lastModifiedDateTime\s+(gt|lt)\s+(\d{4}-\d\d-\d\dT[\d:.]+Z)\s*$/i;

/** `lastModifiedDateTime gt X and lastModifiedDateTime lt Y`, either bound alone; nothing else. */
function parseWindow(filter: string | null): { gt?: string; lt?: string } {
  if (!filter) return {};
  const out: { gt?: string; lt?: string } = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = CLAUSE.exec(clause);
    if (!m || Number.isNaN(Date.parse(m[2]!))) {
      throw badRequest('BadRequest', `The filter clause '${clause.trim()}' is not supported; use a dateTime range on lastModifiedDateTime with gt and lt.`);
    }
    out[m[1]!.toLowerCase() as 'gt' | 'lt'] = m[2]!;
  }
  return out;
}
