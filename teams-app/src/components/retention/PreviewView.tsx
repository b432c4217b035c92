import { Body1, Caption1, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import type { Preview } from '../../api/compliance-types';
import { formatBytes, formatDateTime, formatNumber } from '../../format';
import { ListTable } from '../common/ListTable';

const useStyles = makeStyles({ root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS } });

const KEPT: Record<string, string> = { hold: 'under legal hold', 'hold-unverifiable': 'not searchable yet (a hold may cover them)', minimum: 'inside a minimum', recent: 'archived moments ago' };

/** What a policy change would dispose of: totals, per archive, and a sample of subjects. */
export function PreviewView({ preview }: { preview: Preview }) {
  const styles = useStyles();
  const kept = Object.entries(preview.kept).filter(([, n]) => n);
  return (
    <section className={styles.root} aria-label="Preview">
      <Body1 data-testid="preview-summary">
        {`${formatNumber(preview.messages)} messages (${formatBytes(preview.bytes)}) would be disposed of in ${preview.archives.length} archives, freeing ${formatBytes(preview.storageFreed)} of storage.`}
      </Body1>
      {kept.length > 0 && <Caption1>{`Kept although due: ${kept.map(([code, n]) => `${formatNumber(n!)} ${KEPT[code] ?? code}`).join(', ')}.`}</Caption1>}
      <ListTable
        label="Per archive"
        size="small"
        columns={['Archive', 'Messages', 'Size']}
        rows={preview.archives}
        row={(a) => (
          <TableRow key={a.archiveId}>
            <TableCell>{a.archiveId}</TableCell>
            <TableCell>{formatNumber(a.messages)}</TableCell>
            <TableCell>{formatBytes(a.bytes)}</TableCell>
          </TableRow>
        )}
      />
      <ListTable
        label="Sample of subjects"
        size="small"
        columns={['Subject', 'Received', 'Folder']}
        rows={preview.sample}
        row={(s) => (
          <TableRow key={`${s.archiveId}${s.subject}${s.receivedAt}`}>
            <TableCell>{s.subject || '(no subject)'}</TableCell>
            <TableCell>{formatDateTime(s.receivedAt)}</TableCell>
            <TableCell>{s.folder}</TableCell>
          </TableRow>
        )}
      />
    </section>
  );
}
