import { Field, Input, Radio, RadioGroup, makeStyles, tokens } from '@fluentui/react-components';
import type { Schedule } from '../../api/types';

export interface ScheduleDraft {
  kind: Schedule['kind'];
  everyMinutes: string;
  expression: string;
  timezone: string;
}

export const scheduleDraft = (s: Schedule | undefined): ScheduleDraft => ({
  kind: s?.kind ?? 'manual',
  everyMinutes: s?.kind === 'interval' ? String(s.everyMinutes) : '1440',
  expression: s?.kind === 'cron' ? s.expression : '0 2 * * *',
  timezone: s?.kind === 'cron' ? (s.timezone ?? '') : '',
});

/** Numbers go as numbers; anything else goes as typed so the server names the field and the problem. */
export const numberOrText = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

export function toSchedule(d: ScheduleDraft): Schedule {
  if (d.kind === 'interval') return { kind: 'interval', everyMinutes: numberOrText(d.everyMinutes) as number };
  if (d.kind === 'cron') return { kind: 'cron', expression: d.expression, ...(d.timezone.trim() ? { timezone: d.timezone.trim() } : {}) };
  return { kind: 'manual' };
}

const useStyles = makeStyles({ row: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' } });

/** Manual, every N minutes, or a cron expression: the three schedules the backend's scheduler runs. */
export function ScheduleEditor({ value, onChange, error, idPrefix }: { value: ScheduleDraft; onChange: (d: ScheduleDraft) => void; error?: string; idPrefix: string }) {
  const styles = useStyles();
  const set = (patch: Partial<ScheduleDraft>) => onChange({ ...value, ...patch });
  return (
    <>
      <Field label="Schedule" validationMessage={error}>
        <RadioGroup value={value.kind} onChange={(_e, d) => set({ kind: d.value as ScheduleDraft['kind'] })} layout="horizontal">
          <Radio value="manual" label="Manually only" />
          <Radio value="interval" label="Every N minutes" />
          <Radio value="cron" label="Cron expression" />
        </RadioGroup>
      </Field>
      <div className={styles.row}>
        {value.kind === 'interval' && (
          <Field label="Every (minutes)" hint="At least 5; 1440 is once a day.">
            <Input id={`${idPrefix}-every`} type="number" min={5} value={value.everyMinutes} onChange={(_e, d) => set({ everyMinutes: d.value })} />
          </Field>
        )}
        {value.kind === 'cron' && (
          <>
            <Field label="Cron expression" hint="minute hour day month weekday, e.g. 0 2 * * * for 02:00 every day">
              <Input id={`${idPrefix}-cron`} value={value.expression} onChange={(_e, d) => set({ expression: d.value })} />
            </Field>
            <Field label="Time zone" hint="IANA name such as Europe/Berlin; empty for UTC">
              <Input id={`${idPrefix}-tz`} value={value.timezone} onChange={(_e, d) => set({ timezone: d.value })} />
            </Field>
          </>
        )}
      </div>
    </>
  );
}
