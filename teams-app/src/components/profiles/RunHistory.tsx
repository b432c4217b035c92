import { Button, Link, TableCell, TableRow } from '@fluentui/react-components';
import { useApi } from '../../api/context';
import { formatDateTime, formatDuration } from '../../format';
import { hrefTo, navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';

export function RunHistory({ profileId }: { profileId: string }) {
  const api = useApi();
  const profile = useLoad(() => api.profile(profileId), [profileId]);
  const runs = useLoad(() => api.runs(profileId), [profileId], 5000);
  return (
    <Section title={`Run history${profile.data ? `: ${profile.data.name}` : ''}`} actions={<Button onClick={() => navigate('profiles')}>Back to profiles</Button>}>
      <ErrorBar error={runs.error ?? profile.error} />
      <ListTable
        label="Run history"
        columns={['Started', 'Trigger', 'Status', 'Mailboxes', 'Duration']}
        rows={runs.data}
        loading="Loading runs…"
        empty="This profile has not run yet."
        row={(r) => (
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
        )}
      />
    </Section>
  );
}
