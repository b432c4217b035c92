import { Cron } from 'croner';
import { createLogger, type Logger } from '../log';
import { every } from './every';
import { enqueue, recordScheduleSlot, scheduleMark, type JobStore } from '../store/jobs';

export type ScheduleSpec =
  | { kind: 'manual' }
  | { kind: 'interval'; everyMinutes: number }
  | { kind: 'cron'; expression: string; timezone?: string | undefined };

export type Schedule = ScheduleSpec & { id: string };

export interface ScheduledWork {
  schedule: Schedule;
  enqueue: { type: string; payload: Record<string, unknown> };
}

export interface SchedulerOptions {
  store: JobStore;
  listSchedules: () => Promise<ScheduledWork[]>;
  /** How often due slots are looked for (default 30 s). */
  tickMs?: number;
  logger?: Logger;
  /** The clock; tests move it by hand. */
  now?: () => Date;
}

export interface Scheduler {
  /** One pass over every schedule (also what the timer runs). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;
/** Growing look-back windows for the latest cron slot, so a frequent cron iterates little. */
const CRON_WINDOWS = [HOUR, 24 * HOUR, 8 * 24 * HOUR, 32 * 24 * HOUR, 367 * 24 * HOUR];
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** A reason the schedule cannot work, phrased for an administrator, or null when it is fine. */
export function validateSchedule(spec: ScheduleSpec): string | null {
  switch (spec.kind) {
    case 'manual':
      return null;
    case 'interval':
      return Number.isInteger(spec.everyMinutes) && spec.everyMinutes >= 1 ? null : 'everyMinutes must be a whole number of minutes, at least 1';
    case 'cron':
      return cronProblem(spec.expression, spec.timezone);
    default:
      return `unknown schedule kind "${(spec as { kind: unknown }).kind}"`;
  }
}

function cronProblem(expression: string, timezone?: string): string | null {
  const text = expression.trim();
  const fields = text.split(/\s+/);
  if (!NICKNAMES.has(text.toLowerCase()) && fields.length !== 5) {
    return `cron expression "${text}" has ${fields.length} field(s); expected 5: minute hour day-of-month month day-of-week (for example "0 2 * * *" for every day at 02:00)`;
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { timezone });
  } catch (err) {
    return `invalid cron expression "${text}": ${cronMessage(err)}`;
  }
  try {
    if (!cron.nextRun()) return `cron expression "${text}" never fires`;
  } catch (err) {
    return timezone ? `unknown time zone "${timezone}" (use an IANA name such as Europe/Berlin)` : `invalid cron expression "${text}": ${cronMessage(err)}`;
  }
  return null;
}

function cronMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
}

function cronOf(spec: Extract<ScheduleSpec, { kind: 'cron' }>): Cron {
  const problem = cronProblem(spec.expression, spec.timezone);
  if (problem) throw new Error(problem);
  return new Cron(spec.expression.trim(), { timezone: spec.timezone });
}

/** The first slot strictly after `after`, or null for manual schedules (and crons that never fire). */
export function nextRun(spec: ScheduleSpec, after: Date): Date | null {
  switch (spec.kind) {
    case 'manual':
      return null;
    case 'interval': {
      const period = intervalMs(spec);
      return new Date((Math.floor(after.getTime() / period) + 1) * period);
    }
    case 'cron':
      return cronOf(spec).nextRun(after);
  }
}

/** The latest slot in (since, now], or null. Interval slots are whole multiples of the period since the epoch. */
export function latestRun(spec: ScheduleSpec, now: Date, since: Date): Date | null {
  switch (spec.kind) {
    case 'manual':
      return null;
    case 'interval': {
      const period = intervalMs(spec);
      const slot = Math.floor(now.getTime() / period) * period;
      return slot > since.getTime() ? new Date(slot) : null;
    }
    case 'cron':
      return latestCron(cronOf(spec), now, since);
  }
}

function latestCron(cron: Cron, now: Date, since: Date): Date | null {
  for (const window of CRON_WINDOWS) {
    const from = new Date(Math.max(since.getTime(), now.getTime() - window));
    let last = cron.nextRun(from);
    if (last && last <= now) {
      for (let next = cron.nextRun(last); next && next <= now; next = cron.nextRun(last)) last = next;
      return last;
    }
    if (from.getTime() === since.getTime()) return null;
  }
  return null;
}

function intervalMs(spec: Extract<ScheduleSpec, { kind: 'interval' }>): number {
  const problem = validateSchedule(spec);
  if (problem) throw new Error(problem);
  return spec.everyMinutes * 60_000;
}

/**
 * Enqueues one job per due slot. Any number of processes may run a scheduler: the job key
 * `sched:<id>:<slot>` is unique, so a slot is enqueued once whoever gets there first. A slot
 * missed while no scheduler ran is caught up once (only the latest one); a schedule's slots
 * from before it was first seen are not.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const log = (options.logger ?? createLogger('silent')).child({ component: 'scheduler' });
  const now = options.now ?? (() => new Date());
  const tickMs = options.tickMs ?? 30_000;

  const visit = async ({ schedule, enqueue: work }: ScheduledWork, at: Date) => {
    if (schedule.kind === 'manual') return;
    const problem = validateSchedule(schedule);
    if (problem) {
      log.warn({ scheduleId: schedule.id, problem }, 'skipping an invalid schedule');
      return;
    }
    const mark = await scheduleMark(options.store, schedule.id, at);
    const slot = latestRun(schedule, at, mark.lastSlot ?? mark.firstSeen);
    if (!slot) return;
    const key = `sched:${schedule.id}:${slot.toISOString()}`;
    const job = await enqueue(options.store, { type: work.type, payload: work.payload, key, runAt: slot });
    await recordScheduleSlot(options.store, schedule.id, slot);
    log.debug({ scheduleId: schedule.id, slot, jobId: job._id }, 'schedule slot enqueued');
  };

  const tick = async () => {
    const at = now();
    for (const work of await options.listSchedules()) {
      await visit(work, at).catch((err: unknown) => log.error({ err, scheduleId: work.schedule.id }, 'schedule tick failed'));
    }
  };

  // The first look right away, so a restart does not wait a whole tick to catch up.
  const ticks = every(tickMs, tick, (err) => log.error({ err }, 'listing schedules failed'), tick);
  return { tick, stop: ticks.stop };
}
