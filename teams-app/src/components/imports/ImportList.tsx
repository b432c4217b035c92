import { Body1, Button, Caption1, ProgressBar, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { ArchiveUser, ImportItem } from '../../api/types';
import { formatBytes, formatSeconds } from '../../format';
import { ListTable } from '../common/ListTable';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  progress: { minWidth: '220px', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  detail: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, padding: tokens.spacingVerticalS },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalXS },
});

const ACTIVE = new Set(['queued', 'running']);

function fraction(i: ImportItem): number | undefined {
  if (i.state === 'done') return 1;
  if (i.bytes.total) return i.bytes.read / i.bytes.total;
  const m = i.messages;
  return m.total ? (m.archived + m.duplicate + m.failed) / m.total : undefined;
}


/** Imports with live progress (polled while any runs), per-folder counts and per-item notes. */
export function ImportList({ version, users }: { version: number; users: ArchiveUser[] }) {
  const api = useApi();
  const styles = useStyles();
  const [open, setOpen] = useState<string | null>(null);
  const [polling, setPolling] = useState(true);
  const list = useLoad(async () => {
    const value = await api.imports();
    setPolling(value.some((i) => ACTIVE.has(i.state)));
    return value;
  }, [version], polling ? 1000 : null);
  const act = async (id: string, action: 'pause' | 'resume' | 'cancel') => {
    await api.controlImport(id, action);
    setPolling(true);
    await list.reload();
  };
  return (
    <ListTable
      label="Imports"
      columns={['Source', 'Archive', 'State', 'Progress', null]}
      rows={list.data}
      empty="No imports yet."
      row={(i) => (
        <>
          <TableRow key={i.id} aria-label={`Import ${i.label}`}>
            <TableCell>{i.label}</TableCell>
            <TableCell>{users.find((u) => u._id === i.archiveId)?.upn ?? i.archiveId}</TableCell>
            <TableCell>
              <StatusBadge status={i.state} />
            </TableCell>
            <TableCell>
              <div className={styles.progress}>
                <ProgressBar value={fraction(i)} aria-label={`Progress of ${i.label}`} />
                <Caption1 aria-label="Import counts">
                  {i.messages.archived} archived · {i.messages.duplicate} already there · {i.messages.failed} failed · {formatBytes(i.bytes.read)}
                  {i.bytes.total ? ` of ${formatBytes(i.bytes.total)}` : ''}
                </Caption1>
                {ACTIVE.has(i.state) && (
                  <Caption1>
                    {i.rate.messagesPerSecond.toFixed(1)} messages/s · {formatBytes(i.rate.bytesPerSecond)}/s{i.secondsLeft !== null ? ` · ${formatSeconds(i.secondsLeft)} left` : ''}
                  </Caption1>
                )}
                {i.error && <Caption1>{i.error}</Caption1>}
              </div>
            </TableCell>
            <TableCell>
              <div className={styles.buttons}>
                {ACTIVE.has(i.state) && <Button size="small" onClick={() => void act(i.id, 'pause')}>Pause</Button>}
                {(i.state === 'paused' || i.state === 'failed') && <Button size="small" onClick={() => void act(i.id, 'resume')}>Resume</Button>}
                {(ACTIVE.has(i.state) || i.state === 'paused') && <Button size="small" onClick={() => void act(i.id, 'cancel')}>Cancel</Button>}
                <Button size="small" appearance="subtle" onClick={() => setOpen(open === i.id ? null : i.id)}>
                  {open === i.id ? 'Hide details' : 'Details'}
                </Button>
              </div>
            </TableCell>
          </TableRow>
          {open === i.id && (
            <TableRow key={`${i.id}-detail`}>
              <TableCell colSpan={5}>
                <ImportDetail item={i} />
              </TableCell>
            </TableRow>
          )}
        </>
      )}
    />
  );
}

function ImportDetail({ item }: { item: ImportItem }) {
  const api = useApi();
  const styles = useStyles();
  const notes = useLoad(() => api.importNotes(item.id), [item.id, item.messages.failed, item.messages.lossy]);
  return (
    <div className={styles.detail}>
      <ListTable
        label="Folders"
        size="small"
        columns={['Folder', 'Archived', 'Already there', 'Failed']}
        rows={item.folders}
        empty="No folder yet."
        row={(f) => (
          <TableRow key={f.path}>
            <TableCell>{f.path || '(top)'}</TableCell>
            <TableCell>{f.archived}</TableCell>
            <TableCell>{f.duplicate}</TableCell>
            <TableCell>{f.failed}</TableCell>
          </TableRow>
        )}
      />
      <ListTable
        label="Items with errors or conversion losses"
        size="small"
        columns={['Item', 'Problem']}
        rows={notes.data}
        empty="No item failed or lost anything in conversion."
        row={(n) => (
          <TableRow key={`${n.kind}${n.seq}`}>
            <TableCell>{n.where}</TableCell>
            <TableCell>
              <Body1>
                {n.kind === 'failed' ? 'Not imported' : 'Converted with losses'}: {n.code} — {n.message}
              </Body1>
            </TableCell>
          </TableRow>
        )}
      />
    </div>
  );
}
