import { Body1, Button, Caption1, Field, Input, MessageBar, MessageBarActions, MessageBarBody, ProgressBar, Spinner, TableCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { IntegrityStatus } from '../../api/types';
import { formatBytes, formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { PROBLEM_TEXT } from './problems';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
});

function Facts({ rows }: { rows: [string, string][] }) {
  const styles = useStyles();
  return (
    <div className={styles.facts}>
      {rows.map(([k, v]) => [<Caption1 key={`${k}:k`}>{k}</Caption1>, <Body1 key={`${k}:v`} data-fact={k}>{v}</Body1>])}
    </div>
  );
}

/** Tamper evidence and encryption at rest (MISSION M12, M19): the last verification and its problems, the ledger, keys. */
export function IntegrityPage() {
  const api = useApi();
  const loaded = useLoad(() => api.integrity(), [], 5_000);
  const [error, setError] = useState<Error | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const act = (work: () => Promise<unknown>, done: string) => async () => {
    try {
      await work();
      setNote(done);
      setError(null);
      await loaded.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const status = loaded.data;
  if (!status) return loaded.error ? <ErrorBar error={loaded.error} title="Integrity could not be loaded" /> : <Spinner label="Loading integrity…" />;
  return (
    <>
      <ErrorBar error={error} />
      {note && (
        <MessageBar intent="success">
          <MessageBarBody>{note}</MessageBarBody>
        </MessageBar>
      )}
      <Verification status={status} onRun={act(() => api.verifyNow(), 'Verification started: it re-reads every stored message in the background.')} />
      <Ledger
        status={status}
        onSeal={act(() => api.sealNow(), 'Ledger sealed: the open period has a root now.')}
        onStampLate={act(() => api.sealNow({ stampLate: true }), 'The late roots are stamped; verification names them as stamped late.')}
      />
      <Encryption
        status={status}
        onToggle={act(() => api.setEncryption(!status.encryption.enabled), status.encryption.enabled ? 'Encryption of new messages is off.' : 'Encryption is on; stored messages are being encrypted in the background.')}
        onRotate={act(() => api.rotateDataKey(), 'New messages use a new data key now.')}
        onReencrypt={act(() => api.reencrypt(), 'Re-encryption started.')}
      />
      <ProofExport />
    </>
  );
}

function Verification({ status, onRun }: { status: IntegrityStatus; onRun: () => void }) {
  const last = status.lastVerification;
  const running = status.runningVerification;
  return (
    <Section title="Verification" actions={<Button onClick={onRun}>Verify now</Button>}>
      {running && (
        <Spinner
          size="tiny"
          labelPosition="after"
          label={`Verification running since ${formatDateTime(running.startedAt)} (${running.phase}): ${formatNumber(running.counts.messagesChecked)} messages, ${formatBytes(running.counts.bytesRead)} read so far`}
        />
      )}
      {!last ? (
        <Body1>No verification has run yet.</Body1>
      ) : (
        <>
          <Facts
            rows={[
              ['Last verification', formatDateTime(last.finishedAt)],
              ['Messages checked', formatNumber(last.counts.messagesChecked)],
              ['Bytes read', formatBytes(last.counts.bytesRead)],
              ['Archive items checked', formatNumber(last.counts.itemsChecked)],
              ['Ledger entries checked', formatNumber(last.counts.ledgerEntriesChecked)],
              ['Problems', formatNumber(last.counts.problems)],
            ]}
          />
          {last.problems.length === 0 ? (
            <MessageBar intent="success">
              <MessageBarBody>Every stored message read back as archived; the ledger, its roots and their time-stamps hold.</MessageBarBody>
            </MessageBar>
          ) : (
            <ListTable
              label="Problems"
              columns={['Problem', 'Which', 'Detail']}
              rows={last.problems}
              row={(p) => (
                <TableRow key={`${p.kind}:${p.id}`}>
                  <TableCell>
                    <Text weight="semibold">{PROBLEM_TEXT[p.kind].title}</Text>
                    <br />
                    <Caption1>
                      <code>{p.kind}</code>
                    </Caption1>
                  </TableCell>
                  <TableCell>
                    <code>{p.id}</code>
                  </TableCell>
                  <TableCell>
                    {p.detail}
                    <br />
                    <Caption1>{PROBLEM_TEXT[p.kind].meaning}</Caption1>
                  </TableCell>
                </TableRow>
              )}
            />
          )}
        </>
      )}
    </Section>
  );
}

function Ledger({ status, onSeal, onStampLate }: { status: IntegrityStatus; onSeal: () => void; onStampLate: () => void }) {
  const { ledger } = status;
  return (
    <Section title="Ledger" actions={<Button onClick={onSeal}>Seal now</Button>}>
      {!ledger.tsa.configured && (
        <MessageBar intent="warning">
          <MessageBarBody>No time-stamping authority is configured (TSA_URL): Merkle roots are kept untimestamped.</MessageBarBody>
        </MessageBar>
      )}
      {ledger.awaitingLateStamp > 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>
            {formatNumber(ledger.awaitingLateStamp)} Merkle {ledger.awaitingLateStamp === 1 ? 'root was' : 'roots were'} closed longer ago than TSA_GRACE_HOURS without a time-stamp (the TSA was down or configured later, or a token was
            deleted). A token issued now proves only that the root exists now, so they are stamped only when you ask, and verification names them.
          </MessageBarBody>
          <MessageBarActions>
            <Button onClick={onStampLate}>Stamp late</Button>
          </MessageBarActions>
        </MessageBar>
      )}
      <Facts
        rows={[
          ['Entries', formatNumber(ledger.entries)],
          ['Waiting to be sealed', formatNumber(ledger.queued)],
          ['Merkle roots', `${formatNumber(ledger.roots)} (${formatNumber(ledger.timestamped)} time-stamped)`],
          ['Time-stamping authority', ledger.tsa.url ?? 'none'],
          ['Last root', ledger.lastRoot ? `#${ledger.lastRoot.id}, entries ${ledger.lastRoot.fromSeq}–${ledger.lastRoot.toSeq}, ${ledger.lastRoot.genTime ? `stamped ${formatDateTime(ledger.lastRoot.genTime)}` : ledger.lastRoot.tsaError ? `not stamped: ${ledger.lastRoot.tsaError}` : 'not stamped'}` : 'none yet'],
        ]}
      />
    </Section>
  );
}

function Encryption({ status, onToggle, onRotate, onReencrypt }: { status: IntegrityStatus; onToggle: () => void; onRotate: () => void; onReencrypt: () => void }) {
  const { encryption: e } = status;
  const progress = e.reencryption?.progress;
  const done = progress ? progress.rewritten + progress.current + progress.damaged + progress.missing : 0;
  return (
    <Section
      title="Encryption at rest"
      actions={
        <>
          <Button onClick={onToggle} disabled={!e.masterKeyConfigured}>
            {e.enabled ? 'Turn off for new messages' : 'Turn on'}
          </Button>
          <Button onClick={onRotate} disabled={!e.enabled}>
            New data key
          </Button>
          <Button onClick={onReencrypt} disabled={!e.enabled}>
            Re-encrypt stored messages
          </Button>
        </>
      }
    >
      {!e.masterKeyConfigured && (
        <MessageBar intent="info">
          <MessageBarBody>Encryption needs a master key: set ENCRYPTION_MASTER_KEY_FILE on the backend and restart.</MessageBarBody>
        </MessageBar>
      )}
      <Facts
        rows={[
          ['Encryption', e.enabled ? `on since ${formatDateTime(e.enabledAt)}` : 'off'],
          ['Current data key', e.currentDataKey ?? 'none'],
          ['Data keys', formatNumber(e.dataKeys)],
          ['Master key', e.masterKeyId ?? 'not configured'],
        ]}
      />
      {e.reencryption && (
        <div aria-label="Re-encryption">
          <Text>
            Re-encryption {e.reencryption.status}
            {progress ? `: ${formatNumber(done)} of ${formatNumber(progress.total)} messages, ${formatNumber(progress.rewritten)} rewritten${progress.damaged ? `, ${formatNumber(progress.damaged)} unreadable ones left as they are (verification names them)` : ''}` : ''}
          </Text>
          {progress && progress.total > 0 && <ProgressBar value={Math.min(1, done / progress.total)} />}
        </div>
      )}
    </Section>
  );
}

function ProofExport() {
  const api = useApi();
  const styles = useStyles();
  const [archiveId, setArchiveId] = useState('');
  const [id, setId] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const download = async () => {
    try {
      const proof = await api.proof([{ archiveId: archiveId.trim(), id: id.trim() }]);
      const url = URL.createObjectURL(new Blob([JSON.stringify(proof, null, 2)], { type: 'application/json' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: 'archive-proof.json' });
      a.click();
      URL.revokeObjectURL(url);
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <Section title="Proof for an auditor">
      <Body1>A proof holds the message's ledger entries, their Merkle paths and the roots' time-stamp tokens; docs/integrity.md says how to check it with openssl and Python alone.</Body1>
      <ErrorBar error={error} title="No proof" />
      <div className={styles.row}>
        <Field label="Archive">
          <Input value={archiveId} onChange={(_e, d) => setArchiveId(d.value)} />
        </Field>
        <Field label="Message id">
          <Input value={id} onChange={(_e, d) => setId(d.value)} size="large" />
        </Field>
        <Button onClick={() => void download()} disabled={!archiveId || !id}>
          Download proof
        </Button>
      </div>
    </Section>
  );
}
