import type { RunMailbox } from '../store/runs';

/** How far a mailbox (or a whole run) is, how fast it goes, and how long it still needs at that pace. */
export interface Pace {
  /** Messages the crawl has gone through in this run. */
  done: number;
  /** Messages Graph counted in the selected folders when a first archive started; null when not known. */
  expected: number | null;
  messagesPerMinute: number | null;
  secondsLeft: number | null;
}

type PacedMailbox = Pick<RunMailbox, 'found' | 'status' | 'startedAt' | 'finishedAt' | 'expected'>;

/** A mailbox's pace over its own running time; time left only while it runs and its size is known. */
export function mailboxPace(m: PacedMailbox, now = Date.now()): Pace {
  const expected = m.expected ?? null;
  const started = m.startedAt ? new Date(m.startedAt).getTime() : null;
  const minutes = started === null ? 0 : ((m.finishedAt ? new Date(m.finishedAt).getTime() : now) - started) / 60_000;
  const messagesPerMinute = minutes > 0 && m.found > 0 ? m.found / minutes : null;
  const left = expected === null ? null : Math.max(0, expected - m.found);
  const secondsLeft = m.status !== 'running' || left === null || !messagesPerMinute ? null : Math.round((left / messagesPerMinute) * 60);
  return { done: m.found, expected, messagesPerMinute, secondsLeft };
}

/**
 * The run's pace over its own running time (mailboxes crawl side by side, as many at once as the
 * workers take); its time left only once every unfinished mailbox has counted its messages.
 */
export function runPace(run: { startedAt: Date | string | null; finishedAt: Date | string | null }, mailboxes: (PacedMailbox & { pace: Pace })[], now = Date.now()): Pace {
  const done = mailboxes.reduce((n, m) => n + m.pace.done, 0);
  const minutes = run.startedAt ? ((run.finishedAt ? new Date(run.finishedAt).getTime() : now) - new Date(run.startedAt).getTime()) / 60_000 : 0;
  const messagesPerMinute = minutes > 0 && done > 0 ? done / minutes : null;
  const unfinished = mailboxes.filter((m) => m.status === 'running' || m.status === 'queued');
  const known = mailboxes.length > 0 && mailboxes.every((m) => m.pace.expected !== null);
  const left = unfinished.reduce((n, m) => n + Math.max(0, (m.pace.expected ?? 0) - m.pace.done), 0);
  const canTell = unfinished.length > 0 && unfinished.every((m) => m.pace.expected !== null) && messagesPerMinute;
  return {
    done,
    expected: known ? mailboxes.reduce((n, m) => n + m.pace.expected!, 0) : null,
    messagesPerMinute,
    secondsLeft: canTell ? Math.round((left / messagesPerMinute) * 60) : null,
  };
}
