import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Link, Menu, MenuItem, MenuList, MenuPopover, MenuTrigger,
  Spinner, Switch, TableCell, TableRow, makeStyles, tokens,
} from '@fluentui/react-components';
import { Add20Regular, MoreHorizontal20Regular, Play20Regular } from '@fluentui/react-icons';
import { useRef, useState } from 'react';
import { useApi } from '../../api/context';
import type { ConnectionTest, Profile, Run } from '../../api/types';
import { formatDateTime } from '../../format';
import { hrefTo, navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';
import { ActiveRuns } from './ActiveRuns';
import { ConnectionResult } from './ConnectionResult';
import { scheduleSummary, sourceSummary } from './summary';

const useStyles = makeStyles({ actions: { display: 'flex', gap: tokens.spacingHorizontalXS, alignItems: 'center' } });

/** Profiles with run now, enable/disable, edit, history, test and delete; running jobs above them, live. */
export function ProfileList() {
  const api = useApi();
  const styles = useStyles();
  const profiles = useLoad(() => api.profiles(), []);
  const runs = useLoad(() => api.runs(), [], 3000);
  const [error, setError] = useState<Error | null>(null);
  const [test, setTest] = useState<{ name: string; result: ConnectionTest | null } | null>(null);
  const [deleting, setDeleting] = useState<Profile | null>(null);
  /** The dialog was opened from a menu that is gone when it closes: focus goes back to that menu's button, or, the profile deleted, to "New profile". */
  const newButton = useRef<HTMLButtonElement>(null);
  const menuButtons = useRef(new Map<string, HTMLElement>());
  const closeDeleting = (deleted: boolean) => {
    const target = deleted ? newButton.current : menuButtons.current.get(deleting?.id ?? '');
    setDeleting(null);
    // After Fluent's dialog has handed focus back to the (unmounted) menu item, i.e. to nobody.
    setTimeout(() => target?.focus(), 50);
  };
  // The switch moves at once; the server's answer (reloaded) settles it.
  const [switching, setSwitching] = useState<Record<string, boolean>>({});

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    }
    await Promise.all([profiles.reload(), runs.reload()]);
  };
  const lastRun = new Map<string, Run>();
  for (const r of runs.data ?? []) if (!lastRun.has(r.profileId)) lastRun.set(r.profileId, r);
  const setEnabled = async (p: Profile, enabled: boolean) => {
    setSwitching((s) => ({ ...s, [p.id]: enabled }));
    await act(() => api.setEnabled(p.id, enabled));
    setSwitching(({ [p.id]: _done, ...rest }) => rest);
  };
  const runNow = (p: Profile) => act(async () => navigate('profiles', 'run', (await api.runProfile(p.id))._id));
  const testNow = async (p: Profile) => {
    setTest({ name: p.name, result: null });
    try {
      setTest({ name: p.name, result: await api.testProfile(p.id) });
    } catch (err) {
      setTest(null);
      setError(err as Error);
    }
  };

  return (
    <>
      <ActiveRuns runs={(runs.data ?? []).filter((r) => r.status === 'queued' || r.status === 'running')} />
      <Section
        title="Archiving profiles"
        actions={
          <Button ref={newButton} appearance="primary" icon={<Add20Regular />} onClick={() => navigate('profiles', 'new')}>
            New profile
          </Button>
        }
      >
        <ErrorBar error={error ?? profiles.error} />
        {test && (test.result ? <ConnectionResult result={test.result} /> : <Spinner size="small" label={`Testing the connection of “${test.name}”…`} />)}
        <ListTable
          label="Archiving profiles"
          columns={['Name', 'Mailboxes', 'Schedule', 'Last run', 'Enabled', 'Actions']}
          rows={profiles.data}
          loading="Loading profiles…"
          empty="No archiving profile yet. “New profile” walks you through one."
          row={(p) => {
            const last = lastRun.get(p.id);
            return (
              <TableRow key={p.id} data-profile={p.name}>
                <TableCell>
                  <Link href={hrefTo('profiles', 'edit', p.id)}>{p.name}</Link>
                </TableCell>
                <TableCell>{sourceSummary(p)}</TableCell>
                <TableCell>{scheduleSummary(p)}</TableCell>
                <TableCell>
                  {last ? (
                    <Link href={hrefTo('profiles', 'run', last._id)}>
                      <StatusBadge status={last.status} /> {formatDateTime(last.startedAt ?? last.createdAt)}
                    </Link>
                  ) : (
                    'never'
                  )}
                </TableCell>
                <TableCell>
                  <Switch checked={switching[p.id] ?? p.enabled !== false} aria-label={`Enabled: ${p.name}`} onChange={(_e, d) => void setEnabled(p, d.checked)} />
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <Button size="small" icon={<Play20Regular />} onClick={() => void runNow(p)} aria-label={`Run now: ${p.name}`}>
                      Run now
                    </Button>
                    <Menu>
                      <MenuTrigger disableButtonEnhancement>
                        <Button
                          ref={(el) => void (el ? menuButtons.current.set(p.id, el) : menuButtons.current.delete(p.id))}
                          size="small"
                          appearance="subtle"
                          icon={<MoreHorizontal20Regular />}
                          aria-label={`More actions: ${p.name}`}
                        />
                      </MenuTrigger>
                      <MenuPopover>
                        <MenuList>
                          <MenuItem onClick={() => void testNow(p)}>Test connection</MenuItem>
                          <MenuItem onClick={() => navigate('profiles', 'edit', p.id)}>Edit</MenuItem>
                          <MenuItem onClick={() => navigate('profiles', 'history', p.id)}>Run history</MenuItem>
                          <MenuItem onClick={() => setDeleting(p)}>Delete</MenuItem>
                        </MenuList>
                      </MenuPopover>
                    </Menu>
                  </div>
                </TableCell>
              </TableRow>
            );
          }}
        />
      </Section>
      <Dialog open={deleting !== null} onOpenChange={(_e, d) => !d.open && closeDeleting(false)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Delete “{deleting?.name}”?</DialogTitle>
            <DialogContent>The profile and its schedule go; everything it archived stays in the archives. The next profile that covers these mailboxes starts from scratch (already archived mail is recognised and not stored twice).</DialogContent>
            <DialogActions>
              <Button onClick={() => closeDeleting(false)}>Keep it</Button>
              <Button
                appearance="primary"
                onClick={() => {
                  const p = deleting!;
                  closeDeleting(true);
                  void act(() => api.deleteProfile(p.id));
                }}
              >
                Delete profile
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
