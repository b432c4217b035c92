import type { AadUserConversationMember } from '@microsoft/microsoft-graph-types';
import { requireDirectory, type Need } from '../graph/auth';
import { badRequest, notFound } from '../graph/errors';
import { contextUrl } from '../graph/odata';
import type { GraphResponse, HandlerContext } from '../graph/types';
import { ok, pageCollection } from '../graph/users';
import { teamworkOf, type TeamRecord } from './model';

/** What an archiver reads beside the messages: the chat (with its members), teams, their members and channels. */
const CHAT_READ: Need = { app: ['Chat.ReadBasic.All', 'Chat.Read.All', 'Chat.ReadWrite.All'], delegated: ['Chat.ReadBasic', 'Chat.Read', 'Chat.ReadWrite'] };
const TEAM_READ: Need = { app: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'Group.Read.All', 'Directory.Read.All'], delegated: ['Team.ReadBasic.All'] };
const MEMBER_READ: Need = { app: ['TeamMember.Read.All', 'Group.Read.All', 'Directory.Read.All'], delegated: ['TeamMember.Read.All'] };
const CHANNEL_READ: Need = { app: ['Channel.ReadBasic.All', 'ChannelSettings.Read.All', 'Group.Read.All', 'Directory.Read.All'], delegated: ['Channel.ReadBasic.All'] };

function membersOf(h: HandlerContext, ids: string[]): AadUserConversationMember[] {
  return ids.map((id) => {
    const u = h.env.tenant.mustUser(id).user;
    return { '@odata.type': '#microsoft.graph.aadUserConversationMember', id: `MCMjMSMj${u.id}`, roles: [], displayName: u.displayName ?? null, userId: u.id!, email: u.mail ?? null, tenantId: h.env.tenant.id };
  });
}

/** GET /chats/{id} with `$expand=members` (https://learn.microsoft.com/en-us/graph/api/chat-get). */
export async function getChat(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, CHAT_READ);
  const rec = teamworkOf(h.env.tenant).chats.get(h.params.chat!);
  if (!rec) throw notFound('NotFound', `Chat '${h.params.chat}' was not found.`);
  const expand = h.req.query.get('$expand');
  if (expand && expand.trim().toLowerCase() !== 'members') throw badRequest('BadRequest', `Expanding '${expand}' is not supported on chats.`);
  return ok({ '@odata.context': contextUrl(h.env, 'chats/$entity'), ...rec.chat, ...(expand ? { members: membersOf(h, rec.memberIds) } : {}) });
}

function teamOr404(h: HandlerContext): TeamRecord {
  const team = teamworkOf(h.env.tenant).teams.get(h.params.team!);
  if (!team) throw notFound('NotFound', `No team found with Group Id ${h.params.team}`);
  return team;
}

/** GET /teams (https://learn.microsoft.com/en-us/graph/api/teams-list). */
export async function listTeams(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, TEAM_READ);
  const teams = [...teamworkOf(h.env.tenant).teams.values()].sort((a, b) => a.id.localeCompare(b.id));
  return pageCollection(h, teams, {
    path: '/teams', resource: 'Team', defaultTop: 100, maxTop: 999, context: 'teams',
    render: (t) => ({ id: t.id, displayName: t.displayName, description: t.description, isArchived: false, tenantId: h.env.tenant.id }),
  });
}

/** GET /teams/{id}/members (https://learn.microsoft.com/en-us/graph/api/team-list-members). */
export async function listTeamMembers(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, MEMBER_READ);
  const team = teamOr404(h);
  return pageCollection(h, membersOf(h, team.memberIds), {
    path: `/teams/${team.id}/members`, resource: 'ConversationMember', defaultTop: 100, maxTop: 999,
    context: `teams('${team.id}')/members`, render: (m) => m,
  });
}

/** GET /teams/{id}/channels (https://learn.microsoft.com/en-us/graph/api/channel-list). */
export async function listChannels(h: HandlerContext): Promise<GraphResponse> {
  requireDirectory(h.principal, CHANNEL_READ);
  const team = teamOr404(h);
  return ok({ '@odata.context': contextUrl(h.env, `teams('${team.id}')/channels`), value: team.channels.map((c) => c.channel) });
}
