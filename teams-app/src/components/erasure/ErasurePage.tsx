import { Body1, Button, Caption1, Field, Input, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Erasure } from '../../api/compliance-types';
import { formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { splitList as list } from '../profiles/draft';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useAction } from '../common/useAction';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  form: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap', alignItems: 'flex-end' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-end', flexWrap: 'wrap' },
});


/** Erasure on request (GDPR Art. 17): file, review what goes and what stays, approve by a second administrator, certificate. */
export function ErasurePage() {
  const api = useApi();
  const requests = useLoad(() => api.erasures(), [], 3000);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <Section title="Request an erasure">
        <Body1>Everything from or to the addresses is erased from every archive, except what a legal hold or a minimum retention keeps. A second administrator approves.</Body1>
        <ErasureForm onFiled={async (id) => { await requests.reload(); setOpen(id); }} />
      </Section>
      <Section title="Erasure requests">
        <ErrorBar error={requests.error} />
        <ListTable
          label="Erasure requests"
          columns={['Addresses', 'Dates', 'Requested', 'State', null]}
          rows={requests.data}
          empty="No erasure request."
          row={(r: Erasure) => (
            <TableRow key={r.id} data-request={r.addresses.join(',')}>
              <TableCell>{r.addresses.join(', ')}</TableCell>
              <TableCell>{`${r.from ? r.from.slice(0, 10) : 'any time'} – ${r.to ? r.to.slice(0, 10) : 'now'}`}</TableCell>
              <TableCell>{`${formatDateTime(r.requestedAt)} by ${r.requestedBy.upn}`}</TableCell>
              <TableCell>
                <StatusBadge status={r.state} />
              </TableCell>
              <TableCell>
                <Button size="small" onClick={() => setOpen(open === r.id ? null : r.id)}>
                  {open === r.id ? 'Close' : 'Open'}
                </Button>
              </TableCell>
            </TableRow>
          )}
        />
      </Section>
      {open && <ErasureDetailView key={open} id={open} onChange={requests.reload} />}
    </>
  );
}

function ErasureForm({ onFiled }: { onFiled: (id: string) => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const [addresses, setAddresses] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  const file = () =>
    action.run(async () => {
      const r = await api.fileErasure({ addresses: list(addresses), from: from || null, to: to || null, reason });
      setAddresses('');
      setReason('');
      await onFiled(r.id);
    });
  return (
    <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Request an erasure">
      <Field label="Addresses" validationMessage={fieldMessage(action.error, 'addresses')}>
        <Input value={addresses} onChange={(_e, d) => setAddresses(d.value)} placeholder="dan@contractor.example" />
      </Field>
      <Field label="From (optional)" validationMessage={fieldMessage(action.error, 'from')}>
        <Input type="date" value={from} onChange={(_e, d) => setFrom(d.value)} />
      </Field>
      <Field label="To (optional)" validationMessage={fieldMessage(action.error, 'to')}>
        <Input type="date" value={to} onChange={(_e, d) => setTo(d.value)} />
      </Field>
      <Field label="Reason" validationMessage={fieldMessage(action.error, 'reason')}>
        <Input value={reason} onChange={(_e, d) => setReason(d.value)} placeholder="Request of 2 May, ticket 4711" />
      </Field>
      <Button appearance="primary" onClick={() => void file()} disabled={action.busy}>
        File request
      </Button>
      <ErrorBar error={unplacedError(action.error, ['addresses', 'from', 'to', 'reason'])} title="Not filed" />
    </form>
  );
}

function ErasureDetailView({ id, onChange }: { id: string; onChange: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const detail = useLoad(() => api.erasure(id), [id], 3000);
  const certificate = useLoad(() => (detail.data?.state === 'done' ? api.certificate(id) : Promise.resolve(null)), [id, detail.data?.state]);
  const [reason, setReason] = useState('');
  const action = useAction(async () => {
    await detail.reload();
    await onChange();
  });
  const r = detail.data;
  if (!r) return <ErrorBar error={detail.error} />;
  return (
    <Section title={`Erasure for ${r.addresses.join(', ')}`}>
      <Caption1>{`Reason: ${r.reason}. Requested by ${r.requestedBy.upn}${r.decidedBy ? `; ${r.state === 'rejected' ? 'rejected' : 'approved'} by ${r.decidedBy.upn}` : ''}.`}</Caption1>
      {r.listing && (
        <>
          <Body1 data-testid="erasure-summary">{`${formatNumber(r.listing.goes.length)} messages would be erased; ${formatNumber(r.listing.stays.length)} must stay.`}</Body1>
          <ListTable
            label="Would be erased"
            size="small"
            columns={['Archive', 'Received', 'From', 'Subject']}
            rows={r.listing.goes}
            empty="Nothing to erase."
            row={(m) => (
              <TableRow key={m.id}>
                <TableCell>{m.archiveId}</TableCell>
                <TableCell>{formatDateTime(m.receivedAt)}</TableCell>
                <TableCell>{m.from}</TableCell>
                <TableCell>{m.subject}</TableCell>
              </TableRow>
            )}
          />
          <ListTable
            label="Must stay"
            size="small"
            columns={['Archive', 'Received', 'Subject', 'Why']}
            rows={r.listing.stays}
            empty="Nothing must stay."
            row={(m) => (
              <TableRow key={m.id}>
                <TableCell>{m.archiveId}</TableCell>
                <TableCell>{formatDateTime(m.receivedAt)}</TableCell>
                <TableCell>{m.subject}</TableCell>
                <TableCell>{m.why}</TableCell>
              </TableRow>
            )}
          />
        </>
      )}
      {r.state === 'pending' && (
        <div className={styles.actions}>
          <Button appearance="primary" onClick={() => void action.run(() => api.approveErasure(id))}>
            Approve and erase
          </Button>
          <Field label="Why reject it" validationMessage={fieldMessage(action.error, 'reason')}>
            <Input value={reason} onChange={(_e, d) => setReason(d.value)} />
          </Field>
          <Button onClick={() => void action.run(() => api.rejectErasure(id, reason))}>Reject</Button>
        </div>
      )}
      <ErrorBar error={unplacedError(action.error, ['reason'])} title="Not done" />
      {certificate.data && (
        <>
          <Body1 data-testid="certificate">{`Certificate of erasure: ${formatNumber(certificate.data.certificate.erased)} messages erased on ${formatDateTime(certificate.data.certificate.at)}, ${formatNumber(certificate.data.certificate.kept)} kept. Digest ${certificate.data.certificate.digest}.`}</Body1>
          <ListTable
            label="Erased messages"
            size="small"
            columns={['Archive', 'SHA-256', 'Received', 'Stored bytes']}
            rows={certificate.data.messages}
            row={(m) => (
              <TableRow key={`${m.archiveId}:${m.sha256}`}>
                <TableCell>{m.archiveId}</TableCell>
                <TableCell>
                  <code>{m.sha256}</code>
                </TableCell>
                <TableCell>{formatDateTime(m.receivedAt)}</TableCell>
                <TableCell>{m.blob}</TableCell>
              </TableRow>
            )}
          />
        </>
      )}
    </Section>
  );
}
