import type { Channel, Chat, ChatMessage, ChatMessageAttachment, ChatMessageMention, ChatMessageReaction } from '@microsoft/microsoft-graph-types';
import type { Tenant } from '../tenant/model';

/**
 * Teams chats and channel messages of the emulated tenant. Kept beside the Tenant (not in it):
 * chat messages are their own Graph workload, with their own permissions, limits and billing.
 * A message is held in its current state only, as Graph serves it: an edit or a deletion
 * changes `lastModifiedDateTime` (and `etag`), which is how a time-window crawl sees it again.
 */
export interface ChatRecord {
  chat: Chat;
  memberIds: string[];
  messages: ChatMessage[];
}

export interface ChannelRecord {
  channel: Channel;
  messages: ChatMessage[];
}

export interface TeamRecord {
  /** The team's id is its Microsoft 365 group's id. */
  id: string;
  displayName: string;
  description: string;
  memberIds: string[];
  channels: ChannelRecord[];
}

/**
 * Teams' own throttling (https://learn.microsoft.com/en-us/graph/throttling-limits#microsoft-teams-service-limits):
 * getAllMessages 200 requests per second per app and tenant, and at most 4 requests per second
 * per app on a given team. Tests lower them to see a 429.
 */
export interface TeamsLimits {
  exportPerSecond: number;
  perTeamPerSecond: number;
}

export const DEFAULT_TEAMS_LIMITS: TeamsLimits = { exportPerSecond: 200, perTeamPerSecond: 4 };

export interface NewChatMessage {
  from: string;
  html: string;
  at: string;
  replyToId?: string;
  mentions?: string[];
  reactions?: { user: string; type: string; at: string }[];
  attachments?: ChatMessageAttachment[];
}

export class Teamwork {
  readonly chats = new Map<string, ChatRecord>();
  readonly teams = new Map<string, TeamRecord>();
  limits: TeamsLimits = { ...DEFAULT_TEAMS_LIMITS };
  /**
   * Whether Microsoft approved the app for the protected Teams APIs (the request form of
   * https://learn.microsoft.com/en-us/graph/teams-protected-apis); without it getAllMessages
   * answers 403 even with the permission consented.
   */
  protectedApiApproved = true;
  private lastId = 0;

  constructor(private readonly tenant: Tenant) {}

  addChat(id: string, chatType: 'oneOnOne' | 'group', topic: string | null, memberIds: string[], createdDateTime: string): ChatRecord {
    const rec: ChatRecord = {
      chat: { id, topic, chatType, createdDateTime, lastUpdatedDateTime: createdDateTime, tenantId: this.tenant.id, webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(id)}/0` },
      memberIds,
      messages: [],
    };
    this.chats.set(id, rec);
    return rec;
  }

  addTeam(id: string, displayName: string, description: string, memberIds: string[]): TeamRecord {
    const rec: TeamRecord = { id, displayName, description, memberIds, channels: [] };
    this.teams.set(id, rec);
    return rec;
  }

  addChannel(team: TeamRecord, id: string, displayName: string, createdDateTime: string): ChannelRecord {
    const rec: ChannelRecord = { channel: { id, displayName, createdDateTime, membershipType: 'standard', email: '', webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(id)}` }, messages: [] };
    team.channels.push(rec);
    return rec;
  }

  /** Posts a message in a chat or channel; ids are the epoch milliseconds Teams uses, kept unique. */
  post(where: { chat: ChatRecord } | { team: TeamRecord; channel: ChannelRecord }, m: NewChatMessage): ChatMessage {
    const at = Date.parse(m.at);
    const id = String(Math.max(at, this.lastId + 1));
    this.lastId = Number(id);
    const message: ChatMessage = {
      id,
      replyToId: m.replyToId ?? null,
      etag: id,
      messageType: 'message',
      createdDateTime: m.at,
      lastModifiedDateTime: m.at,
      lastEditedDateTime: null,
      deletedDateTime: null,
      subject: null,
      summary: null,
      chatId: 'chat' in where ? where.chat.chat.id! : null,
      importance: 'normal',
      locale: 'en-us',
      webUrl: null,
      channelIdentity: 'chat' in where ? null : { teamId: where.team.id, channelId: where.channel.channel.id! },
      policyViolation: null,
      eventDetail: null,
      from: { application: null, device: null, user: this.identity(m.from) },
      body: { contentType: 'html', content: m.html },
      attachments: m.attachments ?? [],
      mentions: (m.mentions ?? []).map((u, i): ChatMessageMention => {
        const who = this.identity(u);
        return { id: i, mentionText: who.displayName ?? '', mentioned: { application: null, device: null, user: who } };
      }),
      reactions: (m.reactions ?? []).map((r): ChatMessageReaction => ({ reactionType: r.type, createdDateTime: r.at, user: { application: null, device: null, user: { id: this.tenant.mustUser(r.user).user.id!, displayName: null } } })),
    };
    ('chat' in where ? where.chat : where.channel).messages.push(message);
    return message;
  }

  /** An edit: new body, `lastEditedDateTime`, and a new `lastModifiedDateTime` and `etag`. */
  edit(messageId: string, html: string, at = new Date().toISOString()): ChatMessage {
    const m = this.mustFind(messageId);
    Object.assign(m, { body: { contentType: 'html', content: html }, lastEditedDateTime: at, lastModifiedDateTime: at, etag: String(Date.parse(at)) });
    return m;
  }

  /** A soft deletion as the getAllMessages APIs report it: `deletedDateTime` set, the content gone. */
  remove(messageId: string, at = new Date().toISOString()): ChatMessage {
    const m = this.mustFind(messageId);
    Object.assign(m, { body: { contentType: 'html', content: '' }, deletedDateTime: at, lastModifiedDateTime: at, etag: String(Date.parse(at)), attachments: [], mentions: [], reactions: [] });
    return m;
  }

  /** Every message of the chats a user takes part in. */
  messagesOfUser(userId: string): ChatMessage[] {
    return [...this.chats.values()].filter((c) => c.memberIds.includes(userId)).flatMap((c) => c.messages);
  }

  private identity(ref: string) {
    const u = this.tenant.mustUser(ref).user;
    return { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: u.id!, displayName: u.displayName ?? null, userIdentityType: 'aadUser' as const, tenantId: this.tenant.id };
  }

  private mustFind(messageId: string): ChatMessage {
    const all = [...this.chats.values()].flatMap((c) => c.messages).concat([...this.teams.values()].flatMap((t) => t.channels.flatMap((c) => c.messages)));
    const m = all.find((x) => x.id === messageId);
    if (!m) throw new Error(`no chat message ${messageId}`);
    return m;
  }
}

const registry = new WeakMap<Tenant, Teamwork>();

/** The tenant's Teams workload, created on first use. */
export function teamworkOf(tenant: Tenant): Teamwork {
  let t = registry.get(tenant);
  if (!t) registry.set(tenant, (t = new Teamwork(tenant)));
  return t;
}
