import { Button, Caption1, Checkbox, Field, Input, Radio, RadioGroup, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { LegalHold } from '../../api/compliance-types';
import { formatDateTime } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { splitList as list } from '../profiles/draft';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { StatusBadge } from '../common/StatusBadge';
import { useAction } from '../common/useAction';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '720px' },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
});


/** Legal holds: set on whole archives or on a query's results; lifted only with a reason (MISSION M13). */
export function HoldsPage() {
  const api = useApi();
  const holds = useLoad(() => api.holds(), []);
  return (
    <>
      <Section title="Set a legal hold">
        <HoldForm onSet={holds.reload} />
      </Section>
      <Section title="Legal holds">
        <ErrorBar error={holds.error} />
        <ListTable
          label="Legal holds"
          columns={['Hold', 'Keeps', 'Reason', 'Set', 'Ends', 'State']}
          rows={holds.data}
          empty="No legal hold: retention applies everywhere."
          row={(h) => <HoldRow key={h.id} hold={h} onLifted={holds.reload} />}
        />
      </Section>
    </>
  );
}

function HoldForm({ onSet }: { onSet: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState<'archives' | 'query'>('archives');
  const [archives, setArchives] = useState('');
  const [query, setQuery] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [visible, setVisible] = useState(false);
  const action = useAction(onSet);
  const set = () =>
    action.run(async () => {
      await api.setHold({ name, reason, kind, archives: list(archives), query: kind === 'query' ? query : null, endsAt: endsAt || null, visibleToUsers: visible });
      setName('');
      setReason('');
      setArchives('');
      setQuery('');
    });
  return (
    <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Set a legal hold">
      <Field label="Hold name" validationMessage={fieldMessage(action.error, 'name')}>
        <Input value={name} onChange={(_e, d) => setName(d.value)} placeholder="Contractor dispute" />
      </Field>
      <Field label="Reason" validationMessage={fieldMessage(action.error, 'reason')}>
        <Input value={reason} onChange={(_e, d) => setReason(d.value)} placeholder="Claim 2026-17, counsel's instruction of 3 May" />
      </Field>
      <Field label="Keep">
        <RadioGroup value={kind} onChange={(_e, d) => setKind(d.value as 'archives' | 'query')} layout="horizontal">
          <Radio value="archives" label="Whole archives" />
          <Radio value="query" label="What a search finds" />
        </RadioGroup>
      </Field>
      <Field
        label={kind === 'archives' ? 'Archives' : 'In archives (empty: all)'}
        hint="User names or archive ids, separated by commas."
        validationMessage={fieldMessage(action.error, 'archives')}
      >
        <Input value={archives} onChange={(_e, d) => setArchives(d.value)} placeholder="megan.bowen@contoso.com" />
      </Field>
      {kind === 'query' && (
        <Field label="Search" hint="As in the search box, e.g. from:contractor.example after:2024-01-01. Mail archived later that matches is held too." validationMessage={fieldMessage(action.error, 'query')}>
          <Input value={query} onChange={(_e, d) => setQuery(d.value)} />
        </Field>
      )}
      <Field label="Ends (optional)" validationMessage={fieldMessage(action.error, 'endsAt')}>
        <Input type="date" value={endsAt} onChange={(_e, d) => setEndsAt(d.value)} />
      </Field>
      <Checkbox label="Tell the people whose mail it keeps (in Outlook)" checked={visible} onChange={(_e, d) => setVisible(d.checked === true)} />
      <ErrorBar error={unplacedError(action.error, ['name', 'reason', 'archives', 'query', 'endsAt'])} title="Not set" />
      <div>
        <Button appearance="primary" onClick={() => void set()} disabled={action.busy}>
          Set hold
        </Button>
      </div>
    </form>
  );
}

function HoldRow({ hold: h, onLifted }: { hold: LegalHold; onLifted: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const [reason, setReason] = useState('');
  const action = useAction(onLifted);
  return (
    <TableRow data-hold={h.name}>
      <TableCell>{h.name}</TableCell>
      <TableCell>{h.kind === 'archives' ? h.archives.join(', ') : `${h.query}${h.archives.length ? ` in ${h.archives.join(', ')}` : ' in every archive'}`}</TableCell>
      <TableCell>{h.reason}</TableCell>
      <TableCell>{`${formatDateTime(h.createdAt)} by ${h.createdBy.upn}`}</TableCell>
      <TableCell>{h.endsAt ? formatDateTime(h.endsAt) : 'until lifted'}</TableCell>
      <TableCell>
        {h.state === 'active' ? (
          <div className={styles.row}>
            <Field label="Why lift it" validationMessage={fieldMessage(action.error, 'reason')}>
              <Input size="small" value={reason} onChange={(_e, d) => setReason(d.value)} />
            </Field>
            <Button size="small" onClick={() => void action.run(() => api.liftHold(h.id, reason))}>
              Lift
            </Button>
          </div>
        ) : (
          <>
            <StatusBadge status="lifted" />
            <Caption1 block>{`${h.lifted?.by.upn}: ${h.lifted?.reason}`}</Caption1>
          </>
        )}
        <ErrorBar error={unplacedError(action.error, ['reason'])} title="Not lifted" />
      </TableCell>
    </TableRow>
  );
}
