import { Body1, Button, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { useTableStyles } from '../common/tableStyles';

/** Reports the gateway received but could not archive: not journal reports, or malformed ones. */
export function Quarantine({ onChange }: { onChange: () => void }) {
  const tables = useTableStyles();
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
      {!items.data ? (
        <Spinner />
      ) : items.data.length === 0 ? (
        <Body1>The quarantine is empty.</Body1>
      ) : (
        <Table className={tables.auto} size="small" aria-label="Quarantined reports">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Received</TableHeaderCell>
              <TableHeaderCell>Mailbox</TableHeaderCell>
              <TableHeaderCell>Subject and sender</TableHeaderCell>
              <TableHeaderCell>Why</TableHeaderCell>
              <TableHeaderCell />
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.data.map((q) => (
              <TableRow key={q._id}>
                <TableCell>{formatDateTime(q.receivedAt)}</TableCell>
                <TableCell>{q.mailbox}</TableCell>
                <TableCell>{`${q.subject} — ${q.from}`}</TableCell>
                <TableCell>{`${q.kind}: ${q.reason}`}</TableCell>
                <TableCell>
                  <Button size="small" onClick={() => void remove(q._id)}>
                    Delete
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Section>
  );
}
