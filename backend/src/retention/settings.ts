import { z } from 'zod';
import { validateSchedule, type ScheduleSpec } from '../jobs/scheduler';
import type { Store } from '../store';
import { readSetting, writeSetting } from '../store/settings';

/** When disposal runs, how much it may dispose of without a second administrator, and its batch size. */
export interface RetentionSettings {
  schedule: ScheduleSpec;
  /** A policy change that would dispose of more messages than this waits for a second administrator. */
  approvalThreshold: number;
  /** Messages deleted per batch (one intent list, one index deletion, one audit chunk series). */
  batchSize: number;
}

export const DEFAULT_SETTINGS: RetentionSettings = { schedule: { kind: 'cron', expression: '0 2 * * *' }, approvalThreshold: 1000, batchSize: 2000 };
const KEY = 'retention';

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manual') }).strict(),
  z.object({ kind: z.literal('interval'), everyMinutes: z.number().int().min(1).max(527_040) }).strict(),
  z.object({ kind: z.literal('cron'), expression: z.string().trim().min(1).max(200), timezone: z.string().trim().min(1).max(100).optional() }).strict(),
]);

export const settingsInput = z
  .object({
    schedule: schedule.superRefine((s, ctx) => {
      const problem = validateSchedule(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    approvalThreshold: z.number().int().min(0).max(100_000_000),
    // A batch is one intent document (about 300 bytes a message, under the 16 MB document limit).
    batchSize: z.number().int().min(10).max(20_000),
  })
  .strict();

export async function getRetentionSettings(store: Pick<Store, 'conn'>): Promise<RetentionSettings> {
  const stored = settingsInput.safeParse(await readSetting(store.conn, KEY));
  return stored.success ? stored.data : DEFAULT_SETTINGS;
}

export async function saveRetentionSettings(store: Pick<Store, 'conn'>, settings: RetentionSettings): Promise<void> {
  await writeSetting(store.conn, KEY, settings);
}
