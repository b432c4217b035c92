import { Button, TableCell, TableRow } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';

/** Reports the gateway received but could not archive: not journal reports, or malformed ones. */
export function Quarantine({ onChange }: { onChange: () => void }) {
  const api = useApi();
  const items = useLoad(() => api.quarantine(), []);
  const [error, setError] = useState<Error | null>(null);
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.deleteQuarantined(id);
    } catch (err) {
      setError(err as Error);
    }
    await items.reload();
    onChange();
  };
  return (
    <Section title="Quarantine">
      <ErrorBar error={error ?? items.error} />
      <ListTable
        label="Quarantined reports"
        size="small"
        columns={['Received', 'Mailbox', 'Subject and sender', 'Why', null]}
        rows={items.data}
        empty="The quarantine is empty."
        row={(q) => (
          <TableRow key={q._id}>
            <TableCell>{formatDateTime(q.receivedAt)}</TableCell>
            <TableCell>{q.mailbox}</TableCell>
            <TableCell>{`${q.subject} — ${q.from}`}</TableCell>
            <TableCell>{`${q.kind}: ${q.reason}`}</TableCell>
            <TableCell>
              <Button size="small" onClick={() => void remove(q._id)} aria-label={`Delete quarantined message: ${q.subject}`}>
                Delete
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
    </Section>
  );
}
