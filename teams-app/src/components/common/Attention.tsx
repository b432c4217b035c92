import { Button, CounterBadge, Link, Popover, PopoverSurface, PopoverTrigger, Text, makeStyles, tokens } from '@fluentui/react-components';
import { Alert20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Run } from '../../api/types';
import { formatDateTime } from '../../format';
import { hrefTo } from '../../route';
import { StatusBadge } from './StatusBadge';
import { useLoad } from './useLoad';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, margin: 0, padding: 0, listStyle: 'none', maxWidth: '360px' },
  item: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
});

const NEEDS_ATTENTION = new Set(['failed', 'partial']);

/** Each profile's newest finished run, when it failed or left messages missing: what an administrator must look at. */
export function runsNeedingAttention(runs: Run[]): Run[] {
  const newest = new Map<string, Run>();
  for (const r of runs) if (r.finishedAt && !newest.has(r.profileId)) newest.set(r.profileId, r);
  return [...newest.values()].filter((r) => NEEDS_ATTENTION.has(r.status));
}

/** The header's notice of failed runs, on every page, checked every half minute. */
export function Attention() {
  const api = useApi();
  const styles = useStyles();
  const runs = useLoad(() => api.runs(), [], 30_000);
  const [open, setOpen] = useState(false);
  const failing = runsNeedingAttention(runs.data ?? []);
  if (failing.length === 0) return null;
  return (
    <Popover withArrow trapFocus open={open} onOpenChange={(_e, d) => setOpen(d.open)}>
      <PopoverTrigger disableButtonEnhancement>
        <Button appearance="subtle" icon={<Alert20Regular />} aria-label={`Needs attention: ${failing.length} ${failing.length === 1 ? 'run' : 'runs'}`}>
          <CounterBadge count={failing.length} color="danger" size="small" aria-hidden />
        </Button>
      </PopoverTrigger>
      <PopoverSurface aria-label="Needs attention">
        <ul className={styles.list}>
          {failing.map((r) => (
            <li key={r._id} className={styles.item}>
              <Link href={hrefTo('profiles', 'run', r._id)} onClick={() => setOpen(false)}>Run of “{r.profileName}”</Link>
              <Text>
                <StatusBadge status={r.status} /> {formatDateTime(r.finishedAt)}
                {r.error ? `: ${r.error}` : r.status === 'partial' ? ': messages are missing' : ''}
              </Text>
            </li>
          ))}
        </ul>
      </PopoverSurface>
    </Popover>
  );
}
