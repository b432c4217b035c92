import { Body1, Caption1, Card, Link, Spinner, TableCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatBytes, formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';
import { FailedMessages, RetryStarted } from '../completeness/FailedMessages';
import { Figure } from './Figure';
import { OperationsHealth } from './OperationsHealth';
import { PerDayChart } from './PerDayChart';
import { SearchIndex } from './SearchIndex';

const useStyles = makeStyles({
  cards: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: tokens.spacingHorizontalM },
  attention: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

/** The state of the archive at a glance; refreshed every 10 seconds while open. */
export function Dashboard() {
  const api = useApi();
  const styles = useStyles();
  const stats = useLoad(() => api.stats(), [], 10_000);
  const journal = useLoad(() => api.journalStatus().catch(() => null), [], 30_000);
  const [retrying, setRetrying] = useState<string | null>(null);
  if (!stats.data) return stats.error ? <ErrorBar error={stats.error} title="The dashboard could not be loaded" /> : <Spinner label="Loading figures…" />;
  const { storage, singleInstance, perDay, runs, attention, failedMessages } = stats.data;
  const quarantined = journal.data ? journal.data.quarantine['not-journal'] + journal.data.quarantine.malformed : 0;
  return (
    <>
      <Section title="Archive">
        <div className={styles.cards}>
          <Figure label="Archive size" value={formatBytes(storage.storedBytes)} detail={`${formatBytes(storage.messageBytes)} before compression`} />
          <Figure label="Messages" value={formatNumber(storage.items)} detail={`in ${formatNumber(storage.archiveUsers)} archives`} />
          <Figure
            label="Single-instance savings"
            value={formatBytes(singleInstance.savedBytes)}
            detail={`${formatNumber(singleInstance.copies)} copies stored as ${formatNumber(singleInstance.stored)} messages`}
          />
          <Figure label="Compression savings" value={formatBytes(singleInstance.compressionSavedBytes)} detail="gzip of the stored originals" />
        </div>
      </Section>
      <Section title="Needs attention">
        <div className={styles.attention}>
          {attention.length === 0 && quarantined === 0 && failedMessages.count === 0 && <Body1>Nothing needs attention: the recent runs finished without errors.</Body1>}
          {failedMessages.count > 0 && (
            <Card role="note" aria-label="Messages that failed for good">
              <Text weight="semibold">
                {formatNumber(failedMessages.count)} {failedMessages.count === 1 ? 'message' : 'messages'} failed for good: not in the archive after every retry
              </Text>
              <FailedMessages messages={failedMessages.recent} onRetried={async (runId) => (setRetrying(runId), stats.reload())} />
              <Link href="#completeness">See the completeness report</Link>
            </Card>
          )}
          <RetryStarted runId={retrying} />
          {attention.map((a) => (
            <Card key={a.runId} role="note">
              <Text weight="semibold">
                {a.profileName}: run {a.status} <StatusBadge status={a.status} />
              </Text>
              {a.error && <Body1>{a.error}</Body1>}
              {a.mailboxes.slice(0, 5).map((m) => (
                <Caption1 key={m.upn}>
                  {m.upn}: {m.status}, {m.errorCount} errors{m.lastError ? ` — ${m.lastError}` : ''}
                </Caption1>
              ))}
              <Link href={`#profiles/run/${a.runId}`}>Open the run</Link>
            </Card>
          ))}
          {quarantined > 0 && (
            <Card role="note">
              <Text weight="semibold">{quarantined} journal reports in quarantine</Text>
              <Link href="#journaling">Review them on the Journaling page</Link>
            </Card>
          )}
        </div>
      </Section>
      <OperationsHealth />
      <SearchIndex />
      <Section title="Messages archived per day">
        <PerDayChart days={perDay} />
      </Section>
      <Section title="Last runs">
        <ListTable
          label="Last runs"
          size="small"
          columns={['Profile', 'Started', 'Status', 'Mailboxes', 'Archived', 'Errors']}
          rows={runs}
          empty="No run yet. Create an archiving profile and run it."
          row={(r) => (
            <TableRow key={r._id}>
              <TableCell>
                <Link href={`#profiles/run/${r._id}`}>{r.profileName}</Link>
              </TableCell>
              <TableCell>{formatDateTime(r.startedAt ?? r.createdAt)}</TableCell>
              <TableCell>
                <StatusBadge status={r.status} />
              </TableCell>
              <TableCell>{r.mailboxCount}</TableCell>
              <TableCell>{formatNumber(r.totals.archived)}</TableCell>
              <TableCell>{formatNumber(r.errorCount)}</TableCell>
            </TableRow>
          )}
        />
      </Section>
    </>
  );
}
