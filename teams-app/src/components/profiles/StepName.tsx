import { Field, Input, Switch } from '@fluentui/react-components';
import { ScheduleEditor } from '../common/ScheduleEditor';
import type { StepProps } from './StepProps';

export function StepName({ draft, set, error }: StepProps) {
  return (
    <>
      <Field label="Profile name" required validationMessage={error('name')}>
        <Input value={draft.name} onChange={(_e, d) => set({ name: d.value })} />
      </Field>
      <ScheduleEditor idPrefix="profile" value={draft.schedule} onChange={(schedule) => set({ schedule })} error={error('schedule')} />
      <Switch checked={draft.enabled} onChange={(_e, d) => set({ enabled: d.checked })} label="Enabled (scheduled runs happen only while enabled)" />
    </>
  );
}
