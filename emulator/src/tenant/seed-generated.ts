import { DEMO } from '../config';
import { corpusFiles, corpusPresent, syntheticMessage, warnNoCorpus } from './corpus';
import { guidFromSeed } from './ids';
import { bufferSource, graphDate, rewrittenFileSource } from './mime';
import type { MessageSource } from './mime';
import type { Tenant } from './model';
import { registerDemoApps } from './seed-directory';
import { seedGeneratedChats, seedGeneratedGroups, type GeneratedGroups } from './seed-generated-collab';

export interface GeneratedSeed {
  users: number;
  messagesPerUser: number;
  foldersPerUser?: number;
  /** Microsoft 365 groups with conversations, every user a member. */
  groups?: GeneratedGroups;
  /** Teams chat lines over 1:1 chats between the users. */
  chatLines?: number;
}

const BASE_FOLDERS = ['inbox', 'sentitems', 'archive'];

/**
 * A large deterministic tenant for benchmarks. Messages reference corpus files plus a per-copy
 * Message-ID, so 20 x 2000 messages cost a few megabytes, and sizes follow real mail.
 */
export function seedGenerated(tenant: Tenant, seed: GeneratedSeed): void {
  registerDemoApps(tenant);
  const pool = corpusPresent() ? interleave(corpusFiles('lore-linux-s390'), corpusFiles('spamassassin-easy_ham')) : [];
  if (pool.length === 0) warnNoCorpus();
  const folderCount = Math.max(1, seed.foldersPerUser ?? 3);
  const start = Date.UTC(2022, 0, 1);
  const span = Date.UTC(2024, 0, 1) - start;
  const people: { id: string; upn: string; name: string }[] = [];
  for (let u = 0; u < seed.users; u++) {
    const n = String(u + 1).padStart(3, '0');
    const upn = `user${n}@${DEMO.domain}`;
    const user = tenant.addUser({
      id: guidFromSeed(`generated-user-${u}`), userPrincipalName: upn, displayName: `Load User ${n}`, licensed: true,
      aliases: [`user${n}@${DEMO.initialDomain}`], appRoles: u === 0 ? ['Archive.Admin'] : [], createdDateTime: '2023-01-09T10:00:00Z',
    }, { nonMailItems: false });
    people.push({ id: user.id!, upn, name: user.displayName! });
    const mb = tenant.mustMailbox(user.id!);
    const folders = foldersFor(tenant, user.id!, folderCount).map((ref) => mb.resolveFolder(ref)!.id);
    for (let j = 0; j < seed.messagesPerUser; j++) {
      const seq = u * seed.messagesPerUser + j;
      const messageId = `gen-${n}-${j}@${DEMO.domain}`;
      const date = new Date(start + Math.floor((span * j) / Math.max(1, seed.messagesPerUser)) + u * 60_000);
      mb.insert(folders[j % folders.length]!, {
        source: sourceFor(pool, seq, messageId, upn, date),
        receivedDateTime: graphDate(date),
        isRead: j % 3 !== 0,
        internetMessageId: `<${messageId}>`,
      });
    }
  }
  if (seed.groups) seedGeneratedGroups(tenant, people, seed.groups);
  if (seed.chatLines) seedGeneratedChats(tenant, people, seed.chatLines);
}

function foldersFor(tenant: Tenant, userId: string, count: number): string[] {
  const refs = BASE_FOLDERS.slice(0, count);
  for (let k = refs.length; k < count; k++) {
    const name = `Folder ${String(k - BASE_FOLDERS.length + 1).padStart(2, '0')}`;
    tenant.addFolder(userId, 'inbox', name);
    refs.push(`Inbox/${name}`);
  }
  return refs;
}

function sourceFor(pool: string[], seq: number, messageId: string, to: string, date: Date): MessageSource {
  const path = pool[seq % pool.length];
  if (path) return rewrittenFileSource(path, messageId, seq);
  return bufferSource(syntheticMessage(seq, 'partner@fabrikam.example', to, date, messageId), `gen:${seq}`);
}

function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) out.push(a[i]!);
    if (b[i]) out.push(b[i]!);
  }
  return out;
}
