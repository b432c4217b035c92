import { exchangeSettings } from './archive';
import * as attachments from './attachments';
import * as folders from './folders';
import * as conversations from './group-conversations';
import * as groups from './groups';
import * as messages from './messages';
import { messagesDelta } from './delta';
import * as users from './users';
import { usersDelta } from './users-delta';
import { TEAMS_ROUTES } from '../teams/routes';
import type { GraphResponse, HandlerContext } from './types';

export interface Route {
  method: string;
  pattern: string[];
  /** Mailbox routes are throttled per app+mailbox; directory routes per app. */
  scope: 'mailbox' | 'directory';
  handler: (h: HandlerContext) => Promise<GraphResponse>;
}

const r = (method: string, path: string, scope: Route['scope'], handler: Route['handler']): Route => ({
  method, pattern: path.split('/'), scope, handler,
});

const M = 'mailbox';
const D = 'directory';

export const ROUTES: Route[] = [
  r('GET', 'users', D, users.listUsers),
  r('GET', 'users/delta', D, usersDelta),
  r('GET', 'users/:user', D, users.getUser),
  r('GET', 'users/:user/memberof', D, users.memberOf),
  r('GET', 'users/:user/mailboxsettings', M, users.mailboxSettings),
  r('GET', 'users/:user/settings/exchange', D, exchangeSettings),
  r('GET', 'users/:user/mailfolders', M, folders.listTopFolders),
  r('POST', 'users/:user/mailfolders', M, folders.createTopFolder),
  r('GET', 'users/:user/mailfolders/delta', M, folders.foldersDelta),
  r('GET', 'users/:user/mailfolders/:folder', M, folders.getFolder),
  r('PATCH', 'users/:user/mailfolders/:folder', M, folders.patchFolder),
  r('DELETE', 'users/:user/mailfolders/:folder', M, folders.deleteFolder),
  r('POST', 'users/:user/mailfolders/:folder/move', M, folders.moveFolder),
  r('GET', 'users/:user/mailfolders/:folder/childfolders', M, folders.listChildFolders),
  r('POST', 'users/:user/mailfolders/:folder/childfolders', M, folders.createChildFolder),
  r('GET', 'users/:user/mailfolders/:folder/messages', M, messages.listFolderMessages),
  r('POST', 'users/:user/mailfolders/:folder/messages', M, messages.createFromMime),
  r('GET', 'users/:user/mailfolders/:folder/messages/delta', M, messagesDelta),
  r('GET', 'users/:user/messages', M, messages.listAllMessages),
  r('GET', 'users/:user/messages/:message', M, messages.getMessage),
  r('GET', 'users/:user/messages/:message/$value', M, messages.getMime),
  r('PATCH', 'users/:user/messages/:message', M, messages.patchMessage),
  r('DELETE', 'users/:user/messages/:message', M, messages.deleteMessage),
  r('POST', 'users/:user/messages/:message/move', M, messages.moveMessage),
  r('POST', 'users/:user/messages/:message/copy', M, messages.copyMessage),
  r('POST', 'users/:user/messages/:message/permanentdelete', M, messages.permanentDelete),
  r('POST', 'users/:user/messages/:message/attachments', M, attachments.addAttachment),
  r('POST', 'users/:user/messages/:message/attachments/createuploadsession', M, attachments.createUploadSession),
  r('GET', 'groups', D, groups.listGroups),
  r('GET', 'groups/:group', D, groups.getGroup),
  r('GET', 'groups/:group/members', D, groups.listMembers),
  r('GET', 'groups/:group/transitivemembers', D, groups.listTransitiveMembers),
  r('GET', 'groups/:group/owners', D, groups.listOwners),
  r('GET', 'groups/:group/threads', D, conversations.listThreads),
  r('GET', 'groups/:group/threads/:thread', D, conversations.getThread),
  r('GET', 'groups/:group/threads/:thread/posts', D, conversations.listPosts),
  r('GET', 'groups/:group/threads/:thread/posts/:post/attachments', D, conversations.listPostAttachments),
  ...TEAMS_ROUTES.map(([method, path, handler]) => r(method, path, D, handler)),
];

/**
 * Splits a Graph path into segments, accepting the OData key syntax `mailFolders('id')`, dropping
 * `()` after functions, and folding `mailFolders/{a}/childFolders/{b}` and
 * `mailFolders/{f}/messages/{m}` so that each resource has one canonical route.
 */
export function segmentsOf(path: string): string[] {
  const segs: string[] = [];
  for (const raw of path.split('/').filter(Boolean)) {
    const seg = safeDecode(raw).replace(/^microsoft\.graph\./i, '');
    const key = /^([^(]+)\('?(.*?)'?\)$/.exec(seg);
    if (key && key[2]) segs.push(key[1]!, key[2]);
    else segs.push(seg.replace(/\(\)$/, ''));
  }
  const lower = (i: number) => segs[i]?.toLowerCase();
  for (let i = 0; i < segs.length; i++) {
    while (lower(i) === 'mailfolders' && lower(i + 2) === 'childfolders' && segs.length > i + 3) segs.splice(i + 1, 2);
    if (lower(i) === 'mailfolders' && lower(i + 2) === 'messages' && segs.length > i + 3 && lower(i + 3) !== 'delta') segs.splice(i, 2);
  }
  return segs;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type Match = { route: Route; params: Record<string, string> } | { error: 'notFound' | 'methodNotAllowed'; segment?: string };

export function matchRoute(method: string, segs: string[]): Match {
  let pathMatched = false;
  for (const route of ROUTES) {
    if (route.pattern.length !== segs.length) continue;
    const params: Record<string, string> = {};
    const ok = route.pattern.every((p, i) => {
      if (p.startsWith(':')) {
        params[p.slice(1)] = segs[i]!;
        return !isLiteralElsewhere(route, i, segs[i]!);
      }
      return p === segs[i]!.toLowerCase();
    });
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  if (pathMatched) return { error: 'methodNotAllowed' };
  return { error: 'notFound', segment: segs[segs.length - 1] };
}

/** `mailFolders/delta` must not match `mailFolders/:folder`. */
function isLiteralElsewhere(route: Route, index: number, value: string): boolean {
  return ROUTES.some((other) => other !== route && other.pattern.length === route.pattern.length
    && other.pattern[index] === value.toLowerCase()
    && other.pattern.every((p, i) => i === index || p.startsWith(':') || p === route.pattern[i]));
}
