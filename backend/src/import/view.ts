import type { Job } from '../store/jobs';
import type { ImportDoc, ImportProgress, ImportState } from '../store/imports';

export interface ImportView {
  id: string;
  archiveId: string;
  label: string;
  source: { kind: ImportDoc['source']['kind']; name?: string; path?: string; host?: string; user?: string; folders?: string[] };
  createdBy: ImportDoc['createdBy'];
  createdAt: Date;
  state: ImportState;
  bytes: { read: number; total: number | null };
  messages: { archived: number; duplicate: number; failed: number; lossy: number; total: number | null };
  folders: ImportProgress['folders'];
  rate: { messagesPerSecond: number; bytesPerSecond: number };
  secondsLeft: number | null;
  error: string | null;
  updatedAt: Date | null;
}

/** What a person sees of an import: never its secret, with rates over its running time. */
export function importView(imp: ImportDoc, p: ImportProgress | null, job: Job | null): ImportView {
  const done = p ? p.archived + p.duplicate + p.failed : 0;
  const seconds = p ? p.activeMs / 1000 : 0;
  const rate = { messagesPerSecond: seconds > 0 ? done / seconds : 0, bytesPerSecond: seconds > 0 ? (p?.bytesRead ?? 0) / seconds : 0 };
  const bytesLeft = p?.bytesTotal != null ? p.bytesTotal - p.bytesRead : null;
  const messagesLeft = p?.messagesTotal != null ? p.messagesTotal - done : null;
  const secondsLeft =
    bytesLeft !== null && rate.bytesPerSecond > 0 ? bytesLeft / rate.bytesPerSecond : messagesLeft !== null && rate.messagesPerSecond > 0 ? messagesLeft / rate.messagesPerSecond : null;
  const s = imp.source;
  return {
    id: imp._id,
    archiveId: imp.archiveId,
    label: imp.label,
    source: s.kind === 'upload' ? { kind: s.kind, name: s.name } : s.kind === 'path' ? { kind: s.kind, path: s.path } : { kind: s.kind, host: s.host, user: s.user, folders: s.folders },
    createdBy: imp.createdBy,
    createdAt: imp.createdAt,
    state: stateOf(p, job, imp.control),
    bytes: { read: p?.bytesRead ?? 0, total: p?.bytesTotal ?? null },
    messages: { archived: p?.archived ?? 0, duplicate: p?.duplicate ?? 0, failed: p?.failed ?? 0, lossy: p?.lossy ?? 0, total: p?.messagesTotal ?? null },
    folders: p?.folders ?? [],
    rate,
    secondsLeft: secondsLeft === null ? null : Math.max(0, Math.round(secondsLeft)),
    error: p?.error ?? (job?.status === 'failed' ? (job.error?.message ?? 'the import job failed') : null),
    updatedAt: p?.updatedAt ?? null,
  };
}

function stateOf(p: ImportProgress | null, job: Job | null, control: ImportDoc['control']): ImportState {
  const state = p?.state ?? 'queued';
  if (state !== 'running' && state !== 'queued') return state;
  if (job?.status === 'queued') return 'queued';
  if (job?.status === 'failed') return 'failed';
  // Stopped before a worker took it up: no handler was there to say so.
  if (job?.status === 'cancelled') return control === 'pause' ? 'paused' : 'cancelled';
  return state;
}
