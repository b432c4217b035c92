import { runToEnd, type AdminApi } from './end-to-end';
import type { Row } from './report';
import type { BenchSettings } from './settings';

const log = (line: string) => console.error(`[bench] ${line}`);

/**
 * BENCH_GROUPS / BENCH_CHATS: after the mailboxes, a Microsoft 365 groups profile and a Teams
 * chats profile of all users each run once on the same backend. Each generated chat line is in
 * two users' chats, so it is archived for both: twice.
 */
export async function measureCollab(api: AdminApi, settings: BenchSettings): Promise<Row[]> {
  const rows: Row[] = [];
  if (settings.groups) {
    const { count, threads, posts } = settings.groups;
    rows.push(...await measureProfile(api, settings, { kind: 'm365-groups', selection: 'all' }, {
      key: 'groups', label: 'group posts', unit: 'posts', expected: count * threads * posts,
    }));
  }
  if (settings.chatLines) {
    rows.push(...await measureProfile(api, settings, { kind: 'teams-chats', selection: 'all' }, {
      key: 'chats', label: 'chat lines', unit: 'lines', expected: 2 * settings.chatLines,
    }));
  }
  return rows;
}

interface Subject { key: string; label: string; unit: string; expected: number }

async function measureProfile(api: AdminApi, settings: BenchSettings, source: Record<string, unknown>, s: Subject): Promise<Row[]> {
  const created = await api('POST', '/admin/profiles', { name: `Benchmark: ${s.label}`, source, syncDirectoryFirst: true });
  if (created.status !== 201) throw new Error(`creating the ${s.label} profile answered ${created.status}: ${JSON.stringify(created.body)}`);
  const result = await runToEnd(api, created.body.id, settings.timeoutMinutes, `${s.label} run`);
  const archived: number = result.run.totals?.archived ?? 0;
  log(`${s.label}: ${result.run.status}, ${archived} archived in ${result.wallSeconds.toFixed(1)} s`);
  return [
    { key: `${s.key}_per_s`, label: `${s.label} archived per second (first run)`, value: archived / result.wallSeconds, unit: `${s.unit}/s` },
    { key: `${s.key}_archived`, label: `${s.label} archived (first run)`, value: archived, unit: s.unit, digits: 0, target: `= ${s.expected}`, ok: archived === s.expected },
    { key: `${s.key}_wall_s`, label: `${s.label} run wall time`, value: result.wallSeconds, unit: 's' },
  ];
}
