import { Badge, Button, Caption1, Field, Input, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Policy, PolicyRules, RetentionSettings } from '../../api/compliance-types';
import { formatBytes, formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { ScheduleEditor, scheduleDraft, toSchedule, numberOrText } from '../common/ScheduleEditor';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useAction } from '../common/useAction';
import { useLoad } from '../common/useLoad';
import { PolicyEditor } from './PolicyEditor';

const useStyles = makeStyles({ form: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap', alignItems: 'flex-end' } });

function scopeText(r: PolicyRules): string {
  const s = r.scope;
  const parts = [s.tenant && 'whole tenant', s.sharedMailboxes && 'shared mailboxes', s.journal && 'journal archive', s.archives.length && `${s.archives.length} archives`, s.groups.length && `${s.groups.length} groups`].filter(Boolean);
  return `${parts.join(', ')}${r.folders.length ? ` (folders ${r.folders.join(', ')})` : ''}`;
}

const rulesText = (r: PolicyRules) => `keep ≥ ${r.minDays} days${r.maxDays === null ? '' : `, dispose after ${r.maxDays} days`}`;

/** Retention policies with their preview and four-eyes approval, the disposal runs and log, and their settings (MISSION M13). */
export function RetentionPage() {
  const api = useApi();
  const policies = useLoad(() => api.policies(), []);
  const runs = useLoad(() => api.disposalRuns(), [], 3000);
  const log = useLoad(() => api.disposalLog(), [], 5000);
  const [creating, setCreating] = useState(false);
  const action = useAction(async () => {
    await policies.reload();
    await runs.reload();
  });
  const reloadAll = async () => {
    await policies.reload();
    await log.reload();
  };
  return (
    <>
      <Section title="Retention policies" actions={<Button onClick={() => setCreating((c) => !c)}>{creating ? 'Close' : 'New policy'}</Button>}>
        {creating && <PolicyEditor onSaved={reloadAll} />}
        <ErrorBar error={(action.error as Error | null) ?? policies.error} title="Not done" />
        <ListTable
          label="Policies"
          columns={['Policy', 'Rules in force', 'Applies to', 'Change waiting for approval', null]}
          rows={policies.data}
          empty="No policy: nothing is ever disposed of."
          row={(p: Policy) => {
            const current = p.active ?? p.pending?.rules;
            return (
              <TableRow key={p.id} data-policy={current?.name}>
                <TableCell>{current?.name ?? '(removal)'}</TableCell>
                <TableCell>{p.active ? rulesText(p.active) : <Badge appearance="tint" color="warning">not in force yet</Badge>}</TableCell>
                <TableCell>{current ? scopeText(current) : ''}</TableCell>
                <TableCell>
                  {p.pending && (
                    <>
                      {p.pending.rules ? rulesText(p.pending.rules) : 'remove the policy'}
                      <Caption1 block>{`Asked by ${p.pending.requestedBy.upn}: ${p.pending.reasons.join('; ')}`}</Caption1>
                    </>
                  )}
                </TableCell>
                <TableCell>
                  {p.pending && (
                    <>
                      <Button size="small" appearance="primary" onClick={() => void action.run(() => api.approvePolicy(p.id))}>
                        Approve
                      </Button>{' '}
                      <Button size="small" onClick={() => void action.run(() => api.rejectPolicy(p.id))}>
                        Reject
                      </Button>
                    </>
                  )}
                  {!p.pending && (
                    <Button size="small" onClick={() => void action.run(() => api.removePolicy(p.id))}>
                      Remove
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          }}
        />
      </Section>
      <Section title="Disposal runs" actions={<Button onClick={() => void action.run(() => api.runDisposal())}>Run disposal now</Button>}>
        <ListTable
          label="Disposal runs"
          size="small"
          columns={['Started', 'Status', 'Disposed', 'Kept', 'Storage freed', 'Finished']}
          rows={runs.data}
          empty="No disposal run yet."
          row={(r) => (
            <TableRow key={r.id}>
              <TableCell>{formatDateTime(r.startedAt ?? r.createdAt)}</TableCell>
              <TableCell>
                <StatusBadge status={r.status} />
              </TableCell>
              <TableCell>{formatNumber(r.result?.disposed ?? Number(r.progress.disposed ?? 0))}</TableCell>
              <TableCell>{formatNumber(Object.values(r.result?.kept ?? {}).reduce((n: number, k) => n + (k ?? 0), 0))}</TableCell>
              <TableCell>{formatBytes(r.result?.bytesFreed ?? 0)}</TableCell>
              <TableCell>{r.error?.message ?? formatDateTime(r.finishedAt)}</TableCell>
            </TableRow>
          )}
        />
      </Section>
      <Section title="Disposal log">
        <ListTable
          label="Disposal log"
          size="small"
          columns={['Deleted', 'Archive', 'SHA-256', 'Received', 'Why', 'Stored bytes']}
          rows={log.data}
          empty="Nothing has been deleted."
          row={(e) => (
            <TableRow key={e.id}>
              <TableCell>{formatDateTime(e.doneAt)}</TableCell>
              <TableCell>{e.archiveId}</TableCell>
              <TableCell>
                <code>{e.sha256.slice(0, 16)}…</code>
              </TableCell>
              <TableCell>{formatDateTime(e.receivedAt)}</TableCell>
              <TableCell>{`${e.kind}: ${e.ref.join(', ')}`}</TableCell>
              <TableCell>{e.blob}</TableCell>
            </TableRow>
          )}
        />
      </Section>
      <RetentionSettingsForm />
    </>
  );
}

function RetentionSettingsForm() {
  const api = useApi();
  const settings = useLoad(() => api.retentionSettings(), []);
  return settings.data ? <SettingsForm initial={settings.data} /> : <ErrorBar error={settings.error} />;
}

function SettingsForm({ initial }: { initial: RetentionSettings }) {
  const api = useApi();
  const styles = useStyles();
  const [schedule, setSchedule] = useState(scheduleDraft(initial.schedule));
  const [threshold, setThreshold] = useState(String(initial.approvalThreshold));
  const [batch, setBatch] = useState(String(initial.batchSize));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const save = () =>
    action.run(async () => {
      setSaved(false);
      await api.saveRetentionSettings({ schedule: toSchedule(schedule), approvalThreshold: numberOrText(threshold) as number, batchSize: numberOrText(batch) as number });
      setSaved(true);
    });
  return (
    <Section title="Disposal settings">
      <ScheduleEditor idPrefix="retention" value={schedule} onChange={setSchedule} error={fieldMessage(action.error, 'schedule')} />
      <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Disposal settings">
        <Field label="Second administrator needed above (messages)" validationMessage={fieldMessage(action.error, 'approvalThreshold')}>
          <Input type="number" value={threshold} onChange={(_e, d) => setThreshold(d.value)} />
        </Field>
        <Field label="Batch size" validationMessage={fieldMessage(action.error, 'batchSize')}>
          <Input type="number" value={batch} onChange={(_e, d) => setBatch(d.value)} />
        </Field>
        <Button appearance="primary" onClick={() => void save()}>
          Save settings
        </Button>
        {saved && <Caption1 role="status">Saved.</Caption1>}
      </form>
      <ErrorBar error={unplacedError(action.error, ['schedule', 'approvalThreshold', 'batchSize'])} title="Not saved" />
    </Section>
  );
}
