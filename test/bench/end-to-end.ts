import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorProcess } from './emulator-process';

const FINISHED = ['succeeded', 'partial', 'failed', 'cancelled'];
const POLL_MS = 2_000;
/** A healthy run reports after every page of every mailbox; this long without any change is a hang. */
const STALL_MS = 5 * 60_000;

export interface RunResult {
  run: any;
  wallSeconds: number;
  /** The run stopped making progress without finishing; wallSeconds is then its last progress. */
  stalled: boolean;
  /** As the run reported it. */
  timeline: Timeline;
}

/** (seconds since start, messages archived so far). */
export type Timeline = { t: number; archived: number }[];

/** The admin API of the backend, called as a tenant administrator. */
export function adminApi(backendUrl: string, emulator: EmulatorProcess, adminUpn: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const token = await emulator.userToken(adminUpn);
    const res = await fetch(`${backendUrl}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

function describeRun(run: any): string {
  const mailboxes = (run.mailboxes ?? []).map((m: any) => `${m.upn} ${m.status} ${m.archived}/${m.found}${m.recentErrors?.length ? ` (${m.recentErrors.at(-1).reason.slice(0, 160)})` : ''}`);
  return `run ${run.status}, mailboxes:\n  ${mailboxes.join('\n  ')}`;
}

export type AdminApi = ReturnType<typeof adminApi>;

export async function createAllMailboxesProfile(api: AdminApi): Promise<string> {
  const created = await api('POST', '/admin/profiles', {
    name: 'Benchmark: all mailboxes',
    source: { kind: 'multiple-mailboxes', selection: 'all' },
    syncDirectoryFirst: true,
  });
  if (created.status !== 201) throw new Error(`creating the profile answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/**
 * Starts a run of the profile and polls it to the end, keeping how the archived count grew. A run
 * that hangs is reported as it stands, so the figures of a misbehaving pipeline still print.
 */
export async function runToEnd(
  api: AdminApi,
  profileId: string,
  timeoutMinutes: number,
  label: string,
  onProgress?: (archived: number) => void,
): Promise<RunResult> {
  const started = Date.now();
  const answer = await api('POST', `/admin/profiles/${profileId}/run`);
  if (answer.status !== 202) throw new Error(`starting the run answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const runId: string = answer.body._id;
  const timeline: RunResult['timeline'] = [];
  let lastReport = 0;
  let state = '';
  let changedAt = Date.now();
  for (;;) {
    const { status, body: run } = await api('GET', `/admin/runs/${runId}`);
    if (status !== 200) throw new Error(`reading run ${runId} answered ${status}: ${JSON.stringify(run)}`);
    const t = (Date.now() - started) / 1000;
    timeline.push({ t, archived: run.totals?.archived ?? 0 });
    onProgress?.(run.totals?.archived ?? 0);
    if (FINISHED.includes(run.status)) return { run, wallSeconds: t, timeline, stalled: false };
    if (t > timeoutMinutes * 60) throw new Error(`${label} did not finish within ${timeoutMinutes} min (BENCH_TIMEOUT_MIN)`);
    const now = JSON.stringify([run.status, run.totals, run.mailboxes?.map((m: any) => m.status)]);
    if (now !== state) [state, changedAt] = [now, Date.now()];
    if (Date.now() - changedAt > STALL_MS) {
      console.error(`[bench] ${label} made no progress for ${STALL_MS / 60_000} min; reporting it as it stands. ${describeRun(run)}`);
      return { run, wallSeconds: (changedAt - started) / 1000, timeline, stalled: true };
    }
    if (t - lastReport >= 30) {
      lastReport = t;
      console.error(`[bench] ${label}: ${run.status}, ${run.totals?.archived ?? 0} archived after ${t.toFixed(0)} s`);
    }
    await sleep(POLL_MS);
  }
}

/**
 * Messages per second over the first and the last fifth of the archived messages: a rate that
 * falls as the archive grows points at work that grows with the archive's size.
 */
export function rateBySlice(timeline: Timeline, total: number): { first: number; last: number } {
  const at = (count: number) => timeline.find((p) => p.archived >= Math.max(1, count));
  const rate = (lo: number, hi: number) => {
    const a = at(lo);
    const b = at(hi);
    return a && b && b.t > a.t ? (b.archived - a.archived) / (b.t - a.t) : Number.NaN;
  };
  return { first: rate(1, total / 5), last: rate((total * 4) / 5, total) };
}

/** Where the wall time of a run went, from the timestamps the backend recorded (seconds). */
export function phases(run: any) {
  const at = (v: unknown) => (v ? Date.parse(String(v)) : Number.NaN);
  const mailboxes: any[] = run.mailboxes ?? [];
  const started = mailboxes.map((m) => at(m.startedAt));
  const finished = mailboxes.map((m) => at(m.finishedAt));
  const crawl = mailboxes.map((m) => (at(m.finishedAt) - at(m.startedAt)) / 1000);
  const s = (ms: number) => ms / 1000;
  return {
    wall: s(at(run.finishedAt) - at(run.createdAt)),
    queued: s(at(run.startedAt) - at(run.createdAt)),
    planning: s(Math.max(...started) - at(run.startedAt)),
    crawlShortest: Math.min(...crawl),
    crawlLongest: Math.max(...crawl),
    concluding: s(at(run.finishedAt) - Math.max(...finished)),
  };
}
