/** Sizes and knobs of the archiving benchmark, from the environment so a quick run is one line. */
export interface BenchSettings {
  users: number;
  messagesPerUser: number;
  /** Mail folders the generator spreads each mailbox over (its default: Inbox, Sent Items, Archive). */
  foldersPerUser: number | undefined;
  /** WORKER_CONCURRENCY of the backend: every mailbox at once plus the run job (default 24). */
  workers: number;
  /**
   * BENCH_PROCESSES: backend processes on the database (default 1). The others are worker processes
   * spawned as a deployment runs them (test/ops/scale-out.test.ts), each with `workers` slots; the
   * CPU, RSS, event-loop and database-command rows stay the first process's.
   */
  processes: number;
  /** Messages taken from the archive for the ceilings. */
  sample: number;
  /** Ingests in flight in the store ceilings; default what the crawl can have in flight. */
  storeConcurrency: number;
  /** Gives up on a run after this long. */
  timeoutMinutes: number;
  /** BENCH_GROUPS=GROUPSxTHREADSxPOSTS: Microsoft 365 group conversations, archived by a groups profile. */
  groups: { count: number; threads: number; posts: number } | undefined;
  /** BENCH_CHATS=LINES: Teams chat lines over 1:1 chats, archived by a Teams chats profile. */
  chatLines: number | undefined;
}

/** Exchange Online's limits per app and mailbox, which the emulator enforces (timeScale 1). */
export const EXCHANGE = { concurrency: 4, requestsPerWindow: 10_000, windowSeconds: 600 } as const;

/** The store ceiling is also taken with few ingests in flight: a database that serialises writes may do better so. */
export const FEW_WRITERS = 8;

/** Mailboxes crawled at once for `inFlight` messages in flight (4 per mailbox). */
export const mailboxesFor = (inFlight: number) => Math.max(1, Math.ceil(inFlight / EXCHANGE.concurrency));

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const users = int(env, 'BENCH_USERS', 20);
  const messagesPerUser = int(env, 'BENCH_MESSAGES', 2000);
  const workers = int(env, 'BENCH_WORKERS', Math.max(24, users + 1));
  const inFlight = Math.max(1, Math.min(users, workers - 1)) * EXCHANGE.concurrency;
  return {
    users,
    messagesPerUser,
    foldersPerUser: env.BENCH_FOLDERS ? int(env, 'BENCH_FOLDERS', 3) : undefined,
    workers,
    sample: Math.min(int(env, 'BENCH_SAMPLE', 1000), users * messagesPerUser),
    storeConcurrency: int(env, 'BENCH_STORE_CONCURRENCY', inFlight),
    timeoutMinutes: int(env, 'BENCH_TIMEOUT_MIN', 60),
    processes: int(env, 'BENCH_PROCESSES', 1),
    groups: groupsOf(env.BENCH_GROUPS),
    chatLines: env.BENCH_CHATS ? int(env, 'BENCH_CHATS', 1) : undefined,
  };
}

/** The emulator's seed: `USERSxMESSAGES[xFOLDERS][+gGROUPSxTHREADSxPOSTS][+cLINES]`. */
export function seedOf(s: BenchSettings): string {
  const g = s.groups ? `+g${s.groups.count}x${s.groups.threads}x${s.groups.posts}` : '';
  return `${s.users}x${s.messagesPerUser}${s.foldersPerUser ? `x${s.foldersPerUser}` : ''}${g}${s.chatLines ? `+c${s.chatLines}` : ''}`;
}

function groupsOf(raw: string | undefined): BenchSettings['groups'] {
  if (!raw) return undefined;
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(raw);
  if (!m || [m[1], m[2], m[3]].some((n) => Number(n) < 1)) throw new Error(`BENCH_GROUPS must be GROUPSxTHREADSxPOSTS (e.g. 2x10x10), got ${JSON.stringify(raw)}`);
  return { count: Number(m[1]), threads: Number(m[2]), posts: Number(m[3]) };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}
