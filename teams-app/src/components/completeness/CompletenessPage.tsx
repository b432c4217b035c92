import { Body1, Button, Caption1, Dropdown, Field, Option, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ApiError } from '@shared/api';
import { useState } from 'react';
import { useApi } from '../../api/context';
import { formatDateTime } from '../../format';
import { navigate, useHashPath } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useLoad } from '../common/useLoad';
import { CompletenessTable } from './CompletenessTable';
import { FailedMessages, RetryStarted } from './FailedMessages';

const ALL = '';

const useStyles = makeStyles({
  facts: { display: 'flex', gap: tokens.spacingHorizontalXL, flexWrap: 'wrap', alignItems: 'center' },
  statements: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    margin: 0,
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground2,
    borderRadius: tokens.borderRadiusMedium,
  },
});

/**
 * "Is everything there?", per mailbox and folder (MISSION M18): #completeness (the newest
 * report), #completeness/profile/<id>, #completeness/run/<runId>.
 */
export function CompletenessPage() {
  const api = useApi();
  const styles = useStyles();
  const [, view, id] = useHashPath();
  const target = view === 'run' && id ? { runId: id } : view === 'profile' && id ? { profileId: id } : {};
  const profiles = useLoad(() => api.profiles(), []);
  const report = useLoad(() => api.completeness(target).catch(noReport), [view, id]);
  const failed = useLoad(() => api.failedMessages(), []);
  const chosen = target.profileId ?? ALL;
  const [retrying, setRetrying] = useState<string | null>(null);
  const r = report.data;
  return (
    <>
      <Section title="Completeness">
        <Field label="Profile">
          <Dropdown
            value={chosen === ALL ? 'Newest run of any profile' : (profiles.data?.find((p) => p.id === chosen)?.name ?? '')}
            selectedOptions={[chosen]}
            onOptionSelect={(_e, d) => (d.optionValue ? navigate('completeness', 'profile', d.optionValue) : navigate('completeness'))}
          >
            <Option value={ALL}>Newest run of any profile</Option>
            {(profiles.data ?? []).map((p) => (
              <Option key={p.id} value={p.id}>
                {p.name}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <ErrorBar error={report.error} title="The report could not be loaded" />
        {report.loading && !r && <Spinner label="Loading the report…" />}
        {report.data === null && <Body1>No run has made a completeness report yet. Run an archiving profile: each run reports on the folders it archived.</Body1>}
        {r && (
          <>
            <div className={styles.facts} aria-label="Report summary">
              <Text weight="semibold">{r.run.profileName}</Text>
              <span>
                Run <StatusBadge status={r.run.status} />
              </span>
              <Body1>Finished {formatDateTime(r.run.finishedAt ?? r.run.startedAt)}</Body1>
              <Body1 data-summary="complete">{r.folders.complete} complete</Body1>
              <Body1 data-summary="catching-up">{r.folders.catchingUp} catching up</Body1>
              <Body1 data-summary="gaps">{r.folders.gaps} with gaps</Body1>
              <Button size="small" onClick={() => navigate('profiles', 'run', r.run._id)}>
                Open the run
              </Button>
            </div>
            <Caption1 aria-label="Statement">{r.statement}</Caption1>
            <CompletenessTable rows={r.rows} />
          </>
        )}
      </Section>
      <Section title="Messages that failed for good">
        <ErrorBar error={failed.error} />
        <FailedMessages messages={failed.data} onRetried={async (runId) => (setRetrying(runId), await failed.reload())} />
        <RetryStarted runId={retrying} />
      </Section>
      {r && (
        <Section title="Statements">
          <Caption1>One line per folder, for an audit file: what Microsoft Graph said the folder held, and what the archive holds.</Caption1>
          <pre className={styles.statements} aria-label="Statements per folder">
            {r.rows.map((row) => row.statement).join('\n')}
          </pre>
        </Section>
      )}
    </>
  );
}

/** No report yet is an answer (null), not an error. */
function noReport(err: unknown): null {
  if (err instanceof ApiError && err.status === 404) return null;
  throw err;
}
