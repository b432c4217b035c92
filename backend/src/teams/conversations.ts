import type { Client } from '@microsoft/microsoft-graph-client';
import type { AadUserConversationMember, Channel, Chat } from '@microsoft/microsoft-graph-types';
import { collect, graphErrorOf } from '../graph/paging';
import type { Conversation } from './mime';

type Member = Conversation['members'][number];

function memberOf(m: AadUserConversationMember): Member | null {
  if (!m.userId) return null;
  return { userId: m.userId, name: m.displayName ?? '', address: m.email || `${m.userId}@users.teams.invalid` };
}

const byAddress = (a: Member, b: Member) => a.address.localeCompare(b.address);

/**
 * The conversations of one crawl, each read once from Graph: a chat with its members
 * (https://learn.microsoft.com/en-us/graph/api/chat-get, `$expand=members`), a team's members
 * and channels. A chat that cannot be read (left, deleted) still names its lines, by its id.
 */
export class Conversations {
  private readonly chats = new Map<string, Promise<Conversation>>();
  private team?: Promise<{ name: string; members: Member[]; channels: Map<string, string> }>;

  constructor(private readonly graph: Client) {}

  chat(chatId: string): Promise<Conversation> {
    let c = this.chats.get(chatId);
    if (!c) this.chats.set(chatId, (c = this.readChat(chatId)));
    return c;
  }

  async channel(team: { id: string; name: string }, channelId: string): Promise<Conversation> {
    this.team ??= this.readTeam(team);
    const t = await this.team;
    return { kind: 'channel', id: `${team.id}/${channelId}`, title: `${t.name} / ${t.channels.get(channelId) ?? channelId}`, members: t.members };
  }

  /** Who a channel's lines are archived for: the team's members. */
  async teamMembers(team: { id: string; name: string }): Promise<Member[]> {
    this.team ??= this.readTeam(team);
    return (await this.team).members;
  }

  private async readChat(chatId: string): Promise<Conversation> {
    let chat: Chat & { members?: AadUserConversationMember[] };
    try {
      chat = await this.graph.api(`/chats/${encodeURIComponent(chatId)}`).expand('members').get();
    } catch (err) {
      if (![403, 404].includes(graphErrorOf(err).status)) throw err;
      return { kind: 'chat', id: chatId, title: chatId, members: [] };
    }
    const members = (chat.members ?? []).map(memberOf).filter((m): m is Member => m !== null).sort(byAddress);
    const title = chat.topic || members.map((m) => m.name).sort().join(', ') || chatId;
    return { kind: 'chat', id: chatId, title, members };
  }

  private async readTeam(team: { id: string; name: string }) {
    const members = (await collect<AadUserConversationMember>(this.graph, `/teams/${team.id}/members`)).map(memberOf).filter((m): m is Member => m !== null).sort(byAddress);
    const channels = new Map((await collect<Channel>(this.graph, `/teams/${team.id}/channels`)).map((c) => [c.id!, c.displayName ?? c.id!]));
    return { name: team.name, members, channels };
  }
}
