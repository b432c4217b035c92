import { Readable } from 'node:stream';
import { DEMO_USERS } from '../../emulator/src/index';
import { ingestMessage } from '../../backend/src/ingest';
import { flushIndex } from '../../backend/src/search/index-store';
import type { Store } from '../../backend/src/store';
import { startStack, type Stack } from '../helpers/stack';
import { mime, sha256, synthetic, type Synthetic } from './synthetic';

/** Adele is the demo tenant's administrator; Lee is the second one (ADMIN_USERS) for four eyes. */
export const ADMIN = DEMO_USERS.admin.upn;
export const SECOND_ADMIN = DEMO_USERS.lee.upn;
/** Diego gets the auditor role in his token. */
export const AUDITOR = DEMO_USERS.diego.upn;
export const MEGAN = DEMO_USERS.megan;
export const ALEX = DEMO_USERS.alex;

export async function retentionStack(env: Record<string, string> = {}): Promise<Stack> {
  return startStack({ seed: 'demo', workers: 0, env: { ADMIN_USERS: SECOND_ADMIN, ...env } });
}

/** Calls the API; Diego's token carries the auditor role. */
export async function call(stack: Stack, upn: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const token = await stack.emulator.issueUserToken(upn, upn === AUDITOR ? { roles: ['Archive.Auditor'] } : {});
  const res = await fetch(`${stack.backend.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: type.includes('json') ? JSON.parse(raw.toString('utf8') || 'null') : raw, headers: res.headers };
}

export interface Archived {
  m: Synthetic;
  sha256: string;
  id: string;
  archiveId: string;
  size: number;
}

/** Archives synthetic message `n`, received `daysAgo` days ago, into an archive through the real ingest path. */
export async function archive(store: Store, archiveId: string, n: number, daysAgo: number, opts: { salt?: string; now?: number } = {}): Promise<Archived> {
  const m = synthetic(n, daysAgo, opts.now, opts.salt ?? '');
  const bytes = mime(m);
  await ingestMessage(store, { archiveId, folder: m.folder, receivedAt: m.receivedAt, source: { kind: 'import', file: `synthetic-${n}.eml` }, content: Readable.from([bytes]) });
  await flushIndex(store, archiveId);
  const sha = sha256(bytes);
  return { m, sha256: sha, id: `${archiveId}:${sha}`, archiveId, size: bytes.length };
}

export const itemIds = async (store: Store, archiveId: string) =>
  (await store.db.collection('items').find({ archiveId }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort();

export const blobExists = async (store: Store, sha: string) => (await store.db.collection('messages.files').countDocuments({ _id: sha as never })) === 1;
