import { DEMO } from '../config';
import { teamworkOf } from '../teams/model';
import { guidFromSeed } from './ids';
import type { Tenant } from './model';

/** Microsoft 365 groups of a generated tenant: `count` groups of `threads` threads of `posts` posts. */
export interface GeneratedGroups {
  count: number;
  threads: number;
  posts: number;
}

interface Person { id: string; upn: string; name: string }

const START = Date.UTC(2023, 0, 2);
const MINUTE = 60_000;

/** Every generated user is a member of every group; the first one owns them. */
export function seedGeneratedGroups(tenant: Tenant, people: Person[], groups: GeneratedGroups): void {
  for (let g = 0; g < groups.count; g++) {
    const n = String(g + 1).padStart(3, '0');
    const id = guidFromSeed(`generated-group-${g}`);
    tenant.groups.set(id, {
      group: {
        id, displayName: `Load Group ${n}`, description: 'Generated Microsoft 365 group', mailEnabled: true, mail: `group${n}@${DEMO.domain}`,
        mailNickname: `group${n}`, securityEnabled: false, groupTypes: ['Unified'], proxyAddresses: [`SMTP:group${n}@${DEMO.domain}`],
        visibility: 'Private', createdDateTime: '2023-01-01T09:00:00Z',
      },
      memberIds: people.map((p) => p.id),
      ownerIds: people.slice(0, 1).map((p) => p.id),
      threads: Array.from({ length: groups.threads }, (_, t) => ({
        id: `gen-thread-${n}-${t}`,
        topic: `Topic ${t + 1} of group ${n}`,
        posts: Array.from({ length: groups.posts }, (_, p) => {
          const author = people[(t + p) % people.length]!;
          return {
            id: `gen-post-${n}-${t}-${p}`,
            from: { name: author.name, address: author.upn },
            receivedDateTime: new Date(START + ((g * groups.threads + t) * groups.posts + p) * MINUTE).toISOString().replace('.000Z', 'Z'),
            content: `<p>Post ${p + 1} on topic ${t + 1} of group ${n}: the figures for week ${(t + p) % 52} are in.</p>`,
          };
        }),
      })),
    });
  }
}

/**
 * `lines` chat messages over 1:1 chats between neighbouring users (a ring), one line per minute:
 * each line is in two users' chats, so a Teams chats profile of all users archives it twice.
 */
export function seedGeneratedChats(tenant: Tenant, people: Person[], lines: number): void {
  if (people.length < 2) throw new Error('generated chats need at least two users');
  const tw = teamworkOf(tenant);
  const pairs = people.length === 2 ? 1 : people.length;
  const chats = Array.from({ length: pairs }, (_, k) => {
    const [a, b] = [people[k]!, people[(k + 1) % people.length]!];
    return { chat: tw.addChat(`19:${a.id}_${b.id}@unq.gbl.spaces`, 'oneOnOne', null, [a.id, b.id], '2023-01-01T08:00:00Z'), members: [a, b] };
  });
  for (let i = 0; i < lines; i++) {
    const { chat, members } = chats[i % chats.length]!;
    const at = new Date(START + i * MINUTE).toISOString().replace('.000Z', 'Z');
    tw.post({ chat }, { from: members[i % 2]!.id, at, html: `<p>Line ${i + 1}: shall we move the review to slot ${i % 17}?</p>` });
  }
}
