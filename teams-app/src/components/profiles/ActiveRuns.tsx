import { Link, ProgressBar, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Run } from '../../api/types';
import { formatDuration } from '../../format';
import { hrefTo } from '../../route';
import { Section } from '../common/Section';

const useStyles = makeStyles({ run: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS } });

/** Jobs running now; each opens its live per-mailbox progress. */
export function ActiveRuns({ runs }: { runs: Run[] }) {
  const styles = useStyles();
  if (runs.length === 0) return null;
  return (
    <Section title="Running now">
      {runs.map((r) => (
        <div key={r._id} className={styles.run}>
          <Link href={hrefTo('profiles', 'run', r._id)}>
            <Text weight="semibold">{r.profileName}</Text> — {r.status}, {r.mailboxCount} mailboxes, {formatDuration(r.startedAt ?? r.createdAt, null)}
          </Link>
          <ProgressBar aria-label={`${r.profileName} running`} />
        </div>
      ))}
    </Section>
  );
}
