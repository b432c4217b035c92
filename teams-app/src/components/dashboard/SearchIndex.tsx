import { Body1, Button, Caption1, Field, ProgressBar, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, maxWidth: '640px' },
});

/**
 * The search index: the text caps in force, and the reindex that parses every stored message
 * again with the current parser (from the stored originals; nothing is downloaded again).
 */
export function SearchIndex() {
  const api = useApi();
  const styles = useStyles();
  const [startError, setStartError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const state = useLoad(() => api.searchIndex(), [], 3_000);
  const run = state.data?.reindex ?? null;
  const running = run?.status === 'running';
  const start = async () => {
    setStarting(true);
    setStartError(null);
    try {
      await api.startReindex();
      await state.reload();
    } catch (err) {
      setStartError(err);
    } finally {
      setStarting(false);
    }
  };
  const action = (
    <Button appearance="secondary" disabled={running || starting || !state.data} onClick={() => void start()}>
      Reindex all archives
    </Button>
  );
  return (
    <Section title="Search index" actions={action}>
      <div className={styles.body}>
        {state.error && <ErrorBar error={state.error} title="The search index state could not be loaded" />}
        {startError !== null && <ErrorBar error={startError as Error} title="The reindex could not be started" />}
        {state.data && (
          <Caption1>
            Indexed per message: {formatNumber(state.data.limits.maxBodyChars)} characters of body text and {formatNumber(state.data.limits.maxAttachmentTextChars)} of attachment text.
            Messages with more say so in their reading pane.
          </Caption1>
        )}
        {state.data && !run && <Body1>No reindex has run. Start one after an upgrade that improves parsing, so older mail is found as new mail is.</Body1>}
        {run && (
          <Field
            label={
              <>
                Reindex started {formatDateTime(run.startedAt)} <StatusBadge status={run.status} />
              </>
            }
            validationState={run.status === 'failed' ? 'error' : 'none'}
            validationMessage={run.errors.map((e) => `${e.archiveId || 'planning'}: ${e.message}`).join('; ') || undefined}
            hint={
              `${formatNumber(run.done)} of ${formatNumber(run.total)} messages, ${run.archives.done} of ${run.archives.total} archives` +
              `${run.finishedAt ? `, finished ${formatDateTime(run.finishedAt)}` : ''}` +
              `${run.cut > 0 ? `; ${formatNumber(run.cut)} only partly indexed because of these limits` : ''}`
            }
          >
            <ProgressBar aria-label="Reindex progress" value={run.total > 0 ? run.done / run.total : running ? undefined : 1} />
          </Field>
        )}
      </div>
    </Section>
  );
}
