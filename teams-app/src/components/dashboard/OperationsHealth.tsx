import { Caption1, TableCell, TableRow, makeStyles } from '@fluentui/react-components';
import { useApi } from '../../api/context';
import type { OperationsOverview } from '../../api/types';
import { formatBytes, formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';
import { Figure, Figures } from './Figure';

const useStyles = makeStyles({
  failing: { display: 'flex', flexDirection: 'column' },
});

type Growth = OperationsOverview['growth'];
type ProfileHealth = OperationsOverview['profiles'][number];

function Forecast({ growth }: { growth: Growth }) {
  const in90 = growth.forecast.find((f) => f.days === 90);
  return (
    <>
      <Figure label="Database growth per day" value={formatBytes(growth.bytesPerDay)} detail={`database now ${formatBytes(growth.database.totalBytes)}`} />
      {in90 && <Figure label="Database in 90 days" value={formatBytes(in90.totalBytes)} detail="at the growth of the past days" />}
      {growth.limit && (
        <Figure
          label="Days until the size limit"
          value={growth.limit.daysLeft === null ? 'not growing' : formatNumber(growth.limit.daysLeft)}
          detail={`limit ${formatBytes(growth.limit.bytes)} (DATABASE_SIZE_LIMIT_GB)`}
        />
      )}
    </>
  );
}

function ProfileRow({ p }: { p: ProfileHealth }) {
  const styles = useStyles();
  return (
    <TableRow>
      <TableCell>{p.profileName}</TableCell>
      <TableCell>{p.lastRun ? <StatusBadge status={p.lastRun.status} /> : 'no run yet'}</TableCell>
      <TableCell>{p.lastSuccess ? formatDateTime(p.lastSuccess.finishedAt) : 'never'}</TableCell>
      <TableCell>
        <div className={styles.failing}>
          {p.failingMailboxes.length === 0
            ? 'none'
            : p.failingMailboxes.map((m) => (
                <Caption1 key={m.upn}>
                  {m.upn}: {m.status}
                  {m.lastError ? ` — ${m.lastError}` : ''}
                </Caption1>
              ))}
        </div>
      </TableCell>
    </TableRow>
  );
}

/** Operations health (GET /admin/operations): the backlog, each profile's last success and failing mailboxes, growth and its forecast. */
export function OperationsHealth() {
  const api = useApi();
  const health = useLoad(() => api.operations(), [], 30_000);
  if (!health.data) return health.error ? <ErrorBar error={health.error} title="The health figures could not be loaded" /> : null;
  const { backlog, profiles, growth } = health.data;
  return (
    <Section title="Health">
      <Figures>
        <Figure label="Messages owed" value={formatNumber(backlog.owedMessages)} detail="failed downloads waiting for a retry" />
        <Figure label="Mailboxes behind" value={formatNumber(backlog.mailboxesBehind)} detail={`${formatNumber(backlog.waiting)} jobs waiting, ${formatNumber(backlog.running)} running`} />
        <Forecast growth={growth} />
      </Figures>
      <ListTable
        label="Profiles"
        size="small"
        columns={['Profile', 'Last run', 'Last successful run', 'Failing mailboxes']}
        rows={profiles}
        empty="No archiving profile yet."
        row={(p) => <ProfileRow key={p.profileId} p={p} />}
      />
    </Section>
  );
}
