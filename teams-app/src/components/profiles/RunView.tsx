import {
  Body1, Button, Caption1, ProgressBar, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Counts, Missing, Pace, RunMailbox } from '../../api/types';
import { formatBytes, formatDateTime, formatDuration, formatNumber, formatSeconds } from '../../format';
import { navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { TableScroll } from '../common/TableScroll';
import { useLoad } from '../common/useLoad';
import { useTableStyles } from '../common/tableStyles';

const ACTIVE = new Set(['queued', 'running']);
const COLUMNS: { key: keyof Counts; label: string }[] = [
  { key: 'found', label: 'Found' },
  { key: 'archived', label: 'Archived' },
  { key: 'alreadyArchived', label: 'Already archived' },
  { key: 'filtered', label: 'Filtered' },
  { key: 'deleted', label: 'Deleted' },
  { key: 'failed', label: 'Failed' },
];

/** "1,200 of 5,000 messages · 340 a minute · 11 min 20 s left": what a first archive's administrator waits for. */
function describePace(p: Pace): string {
  const parts = [p.expected === null ? `${formatNumber(p.done)} messages` : `${formatNumber(Math.min(p.done, p.expected))} of ${formatNumber(p.expected)} messages`];
  if (p.messagesPerMinute !== null) parts.push(`${formatNumber(Math.round(p.messagesPerMinute))} a minute`);
  if (p.secondsLeft !== null) parts.push(`${formatSeconds(p.secondsLeft)} left`);
  return parts.join(' · ');
}

const missingCount = (m: Missing | undefined) => (m ? m.owed + m.failed + m.incompleteFolders + m.gapFolders : 0);

/** Whether anything is missing, in a sentence: what a run's status stands for. */
function describeMissing(m: Missing | undefined): string {
  if (!m || missingCount(m) === 0) return 'Nothing is missing';
  const parts = [
    m.owed && `${m.owed} owed (retrying)`,
    m.failed && `${m.failed} failed for good`,
    m.incompleteFolders && `${m.incompleteFolders} folders not finished`,
    m.gapFolders && `${m.gapFolders} folders with gaps`,
  ].filter(Boolean);
  return `Missing: ${parts.join(', ')}`;
}

const useStyles = makeStyles({
  facts: { display: 'flex', gap: tokens.spacingHorizontalXL, flexWrap: 'wrap', alignItems: 'center' },
  errors: { color: tokens.colorPaletteRedForeground1 },
  folder: { minWidth: '160px' },
});

/** One run, live: refreshed every second while it is queued or running. */
export function RunView({ runId }: { runId: string }) {
  const tables = useTableStyles();
  const api = useApi();
  const styles = useStyles();
  const [active, setActive] = useState(true);
  const [cancelError, setCancelError] = useState<Error | null>(null);
  const run = useLoad(
    async () => {
      const r = await api.run(runId);
      setActive(ACTIVE.has(r.status));
      return r;
    },
    [runId],
    active ? 1000 : null,
  );
  if (!run.data) return run.error ? <ErrorBar error={run.error} /> : <Spinner label="Loading the run…" />;
  const r = run.data;
  const cancel = async () => {
    try {
      await api.cancelRun(runId);
      await run.reload();
    } catch (err) {
      setCancelError(err as Error);
    }
  };
  return (
    <Section
      title={`Run of “${r.profileName}”`}
      actions={
        <>
          {ACTIVE.has(r.status) && <Button onClick={() => void cancel()}>Cancel run</Button>}
          {!ACTIVE.has(r.status) && <Button onClick={() => navigate('completeness', 'run', r._id)}>Completeness</Button>}
          <Button onClick={() => navigate('profiles', 'history', r.profileId)}>Run history</Button>
          <Button onClick={() => navigate('profiles')}>Back to profiles</Button>
        </>
      }
    >
      <div className={styles.facts} aria-label="Run summary">
        <span>
          Status: <StatusBadge status={r.status} />
        </span>
        <Body1>Started {formatDateTime(r.startedAt ?? r.createdAt)}</Body1>
        <Body1>Duration {formatDuration(r.startedAt, r.finishedAt)}</Body1>
        <Body1>{r.trigger === 'manual' ? 'Started by hand' : 'Scheduled'}</Body1>
        <Body1 data-total="pace">{describePace(r.pace)}</Body1>
        <Body1 data-total="archived">Archived {formatNumber(r.totals.archived)}</Body1>
        <Body1>{formatBytes(r.totals.bytes)}</Body1>
        {!ACTIVE.has(r.status) && <Body1 data-missing={missingCount(r.missing)}>{describeMissing(r.missing)}</Body1>}
        {r.totals.recovered + r.recoveredErrors > 0 && <Body1 data-total="recovered">Recovered from {formatNumber(r.totals.recovered + r.recoveredErrors)} errors</Body1>}
      </div>
      {r.error && <ErrorBar error={new Error(r.error)} title="The run stopped" />}
      <ErrorBar error={cancelError} />
      {ACTIVE.has(r.status) && r.mailboxes.length === 0 && <Spinner size="small" label="Working out the mailboxes…" />}
      <TableScroll label="Mailboxes of this run">
        <Table className={tables.auto} aria-label="Mailboxes of this run" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Mailbox</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell>Folders</TableHeaderCell>
              <TableHeaderCell>Progress</TableHeaderCell>
              {COLUMNS.map((c) => (
                <TableHeaderCell key={c.key}>{c.label}</TableHeaderCell>
              ))}
              <TableHeaderCell>Size</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {r.mailboxes.map((m) => (
              <MailboxRow key={m.mailboxId} m={m} />
            ))}
            <TableRow aria-label="Totals">
              <TableCell>
                <Text weight="semibold">Total</Text>
              </TableCell>
              <TableCell />
              <TableCell />
              <TableCell data-total="progress">
                <Text weight="semibold">{describePace(r.pace)}</Text>
              </TableCell>
              {COLUMNS.map((c) => (
                <TableCell key={c.key} data-total={c.key}>
                  <Text weight="semibold">{formatNumber(r.totals[c.key])}</Text>
                </TableCell>
              ))}
              <TableCell>{formatBytes(r.totals.bytes)}</TableCell>
            </TableRow>
          </TableBody>
        </Table>
      </TableScroll>
    </Section>
  );
}

function MailboxRow({ m }: { m: RunMailbox }) {
  const styles = useStyles();
  const progress = m.foldersTotal > 0 ? m.foldersDone / m.foldersTotal : undefined;
  const name = m.onlineArchiveOf ? `${m.upn} (online archive)` : m.upn;
  return (
    <>
      <TableRow data-mailbox={name} data-status={m.status}>
        <TableCell>{name}</TableCell>
        <TableCell>
          <StatusBadge status={m.status} />
        </TableCell>
        <TableCell className={styles.folder}>
          <ProgressBar value={m.status === 'done' ? 1 : progress} aria-label={`Folders of ${name}`} />
          <Caption1>
            {m.foldersDone}/{m.foldersTotal}
            {m.status === 'running' && m.currentFolder ? ` · ${m.currentFolder}` : ''}
          </Caption1>
        </TableCell>
        <TableCell className={styles.folder} data-count="progress">
          {m.pace.expected !== null && <ProgressBar value={m.pace.expected > 0 ? Math.min(1, m.pace.done / m.pace.expected) : 1} aria-label={`Messages of ${name}`} />}
          <Caption1>{describePace(m.pace)}</Caption1>
        </TableCell>
        {COLUMNS.map((c) => (
          <TableCell key={c.key} data-count={c.key}>
            {formatNumber(m[c.key])}
          </TableCell>
        ))}
        <TableCell>{formatBytes(m.bytes)}</TableCell>
      </TableRow>
      <Notes count={m.errorCount} what={`errors in ${name}`} notes={m.recentErrors.filter((e) => !e.recovered)} className={styles.errors} />
      <Notes count={m.skipCount ?? 0} what={`skipped by the size filter in ${name}`} notes={m.recentSkips ?? []} />
      <Notes count={m.restartCount ?? 0} what={`restarts of ${name}`} notes={m.recentRestarts ?? []} />
    </>
  );
}

/** A mailbox's errors, or the messages its filters skipped by name: the count and the first few. */
function Notes({ count, what, notes, className }: { count: number; what: string; notes: { folder?: string; messageId?: string; reason: string }[]; className?: string }) {
  if (count === 0) return null;
  return (
    <TableRow>
      <TableCell colSpan={11} className={className}>
        {count} {what}
        {notes.slice(0, 5).map((e, i) => (
          <Caption1 key={i} block>
            {e.folder ? `${e.folder}: ` : ''}
            {e.reason}
          </Caption1>
        ))}
      </TableCell>
    </TableRow>
  );
}
