import { Body1, Button, Link, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { useApi } from '../../api/context';
import { formatDateTime, formatDuration } from '../../format';
import { hrefTo, navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';
import { useTableStyles } from '../common/tableStyles';

export function RunHistory({ profileId }: { profileId: string }) {
  const tables = useTableStyles();
  const api = useApi();
  const profile = useLoad(() => api.profile(profileId), [profileId]);
  const runs = useLoad(() => api.runs(profileId), [profileId], 5000);
  return (
    <Section title={`Run history${profile.data ? `: ${profile.data.name}` : ''}`} actions={<Button onClick={() => navigate('profiles')}>Back to profiles</Button>}>
      <ErrorBar error={runs.error ?? profile.error} />
      {!runs.data ? (
        <Spinner label="Loading runs…" />
      ) : runs.data.length === 0 ? (
        <Body1>This profile has not run yet.</Body1>
      ) : (
        <Table className={tables.auto} aria-label="Run history">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Started</TableHeaderCell>
              <TableHeaderCell>Trigger</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell>Mailboxes</TableHeaderCell>
              <TableHeaderCell>Duration</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {runs.data.map((r) => (
              <TableRow key={r._id}>
                <TableCell>
                  <Link href={hrefTo('profiles', 'run', r._id)}>{formatDateTime(r.startedAt ?? r.createdAt)}</Link>
                </TableCell>
                <TableCell>{r.trigger}</TableCell>
                <TableCell>
                  <StatusBadge status={r.status} />
                </TableCell>
                <TableCell>{r.mailboxCount}</TableCell>
                <TableCell>{formatDuration(r.startedAt, r.finishedAt)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Section>
  );
}
