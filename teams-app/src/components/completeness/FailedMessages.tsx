import { Button, Caption1, Link, TableCell, TableRow } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { FailedMessage } from '../../api/types';
import { formatDateTime } from '../../format';
import { hrefTo } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';

/**
 * Messages whose download failed for good (after every retry): where they are, why, and a
 * "Retry" that makes each owed again and starts a run of its profile.
 */
/** Where a retried message is being archived: the run that retries it. */
export function RetryStarted({ runId }: { runId: string | null }) {
  if (!runId) return null;
  return (
    <Caption1 role="status">
      Retrying in <Link href={hrefTo('profiles', 'run', runId)}>this run</Link>.
    </Caption1>
  );
}

export function FailedMessages({ messages, onRetried }: { messages: FailedMessage[] | undefined; onRetried: (runId: string) => Promise<void> }) {
  const api = useApi();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const retry = async (m: FailedMessage) => {
    setBusy(m.id);
    setError(null);
    try {
      await onRetried((await api.retryFailed(m.id)).runId);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <ErrorBar error={error} title="The message could not be retried" />
      <ListTable
        label="Messages that failed for good"
        size="small"
        columns={['Mailbox', 'Folder', 'Subject', 'Last error', 'Attempts', 'Last attempt', null]}
        rows={messages}
        empty="No message failed for good."
        row={(m) => (
          <TableRow key={m.id} data-failed-message={m.messageId}>
            <TableCell>{m.mailbox}</TableCell>
            <TableCell>{m.folder}</TableCell>
            <TableCell>{m.subject || '(no subject)'}</TableCell>
            <TableCell>{m.lastError}</TableCell>
            <TableCell>{m.attempts}</TableCell>
            <TableCell>{formatDateTime(m.failedAt)}</TableCell>
            <TableCell>
              <Button size="small" disabled={busy !== null} onClick={() => void retry(m)} aria-label={`Retry ${m.subject || m.messageId}`}>
                Retry
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
    </>
  );
}
