import { Button, Caption1, Checkbox, Field, Input, TableCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { saveDownload } from '@shared/api';
import { useState } from 'react';
import { useApi } from '../../api/context';
import type { CaseDetail, SearchPage } from '../../api/compliance-types';
import { formatDateTime, formatNumber } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { ListTable } from '../common/ListTable';
import { Section } from '../common/Section';
import { useAction } from '../common/useAction';
import { useLoad } from '../common/useLoad';

const useStyles = makeStyles({
  form: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap', alignItems: 'flex-end' },
});

/** Cases for auditors: saved searches across every archive, tags, holds and verifiable exports (MISSION M13). */
export function CasesPage() {
  const api = useApi();
  const styles = useStyles();
  const cases = useLoad(() => api.cases(), []);
  const [open, setOpen] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const action = useAction(cases.reload);
  const create = () =>
    action.run(async () => {
      const c = await api.openCase({ name, description });
      setName('');
      setDescription('');
      setOpen(c.id);
    });
  return (
    <>
      <Section title="Open a case">
        <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Open a case">
          <Field label="Case name" validationMessage={fieldMessage(action.error, 'name')}>
            <Input value={name} onChange={(_e, d) => setName(d.value)} placeholder="Falcon dispute" />
          </Field>
          <Field label="Description">
            <Input value={description} onChange={(_e, d) => setDescription(d.value)} />
          </Field>
          <Button appearance="primary" onClick={() => void create()}>
            Open case
          </Button>
        </form>
        <ErrorBar error={unplacedError(action.error, ['name']) ?? cases.error} title="Not opened" />
      </Section>
      <Section title="Cases">
        <ListTable
          label="Cases"
          columns={['Case', 'Saved searches', 'Opened', null]}
          rows={cases.data}
          empty="No case yet."
          row={(c) => (
            <TableRow key={c.id} data-case={c.name}>
              <TableCell>{c.name}</TableCell>
              <TableCell>{c.searches.length}</TableCell>
              <TableCell>{`${formatDateTime(c.createdAt)} by ${c.createdBy.upn}`}</TableCell>
              <TableCell>
                <Button size="small" onClick={() => setOpen(open === c.id ? null : c.id)}>
                  {open === c.id ? 'Close' : 'Open'}
                </Button>
              </TableCell>
            </TableRow>
          )}
        />
      </Section>
      {open && <CaseView key={open} id={open} onChange={cases.reload} />}
    </>
  );
}

function CaseView({ id, onChange }: { id: string; onChange: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const detail = useLoad(() => api.case(id), [id]);
  const [name, setName] = useState('');
  const [query, setQuery] = useState('');
  const [searchId, setSearchId] = useState<string | null>(null);
  const action = useAction(async () => {
    await detail.reload();
    await onChange();
  });
  const c = detail.data;
  if (!c) return <ErrorBar error={detail.error} />;
  const save = () =>
    action.run(async () => {
      const updated = await api.saveSearch(id, { name, query });
      setSearchId(updated.searches.at(-1)?.id ?? null);
      setName('');
      setQuery('');
    });
  return (
    <Section title={`Case: ${c.name}`}>
      {c.description && <Caption1>{c.description}</Caption1>}
      <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Save a search">
        <Field label="Search name" validationMessage={fieldMessage(action.error, 'name')}>
          <Input value={name} onChange={(_e, d) => setName(d.value)} />
        </Field>
        <Field label="Query" validationMessage={fieldMessage(action.error, 'query')}>
          <Input value={query} onChange={(_e, d) => setQuery(d.value)} placeholder="from:contractor.example after:2024-01-01" />
        </Field>
        <Button onClick={() => void save()}>Save search</Button>
      </form>
      <ErrorBar error={unplacedError(action.error, ['name', 'query'])} title="Not saved" />
      <ListTable
        label="Saved searches"
        size="small"
        columns={['Search', 'Query', null]}
        rows={c.searches}
        empty="No saved search yet."
        row={(s) => (
          <TableRow key={s.id}>
            <TableCell>{s.name}</TableCell>
            <TableCell>
              <code>{s.query}</code>
            </TableCell>
            <TableCell>
              <Button size="small" onClick={() => setSearchId(s.id)}>
                Run
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
      {searchId && <Results key={searchId} detail={c} searchId={searchId} onChange={detail.reload} />}
      <CaseRecords detail={c} />
    </Section>
  );
}

function Results({ detail, searchId, onChange }: { detail: CaseDetail; searchId: string; onChange: () => Promise<void> }) {
  const api = useApi();
  const styles = useStyles();
  const page = useLoad<SearchPage>(() => api.caseResults(detail.id, searchId), [searchId]);
  const [picked, setPicked] = useState<string[]>([]);
  const [tag, setTag] = useState('');
  const [holdName, setHoldName] = useState('');
  const [holdReason, setHoldReason] = useState('');
  const action = useAction(onChange);
  const search = detail.searches.find((s) => s.id === searchId)!;
  return (
    <section aria-label="Results">
      <Caption1 block>{page.data ? `${formatNumber(page.data.total)} messages in all archives for ${search.query}` : ''}</Caption1>
      <ErrorBar error={page.error ?? unplacedError(action.error, ['tag', 'name', 'reason'])} title="Not done" />
      <ListTable
        label="Results"
        size="small"
        columns={[null, 'Received', 'From', 'Subject', 'Archive']}
        rows={page.data?.value}
        empty="No message matches."
        row={(h) => (
          <TableRow key={h.id}>
            <TableCell>
              <Checkbox aria-label={`Pick ${h.subject}`} checked={picked.includes(h.id)} onChange={(_e, d) => setPicked((p) => (d.checked ? [...p, h.id] : p.filter((x) => x !== h.id)))} />
            </TableCell>
            <TableCell>{formatDateTime(h.date)}</TableCell>
            <TableCell>{h.from?.address}</TableCell>
            <TableCell>{h.subject}</TableCell>
            <TableCell>{h.archiveId}</TableCell>
          </TableRow>
        )}
      />
      <form className={styles.form} onSubmit={(e) => e.preventDefault()} aria-label="Act on the results">
        <Field label="Tag" validationMessage={fieldMessage(action.error, 'tag')}>
          <Input value={tag} onChange={(_e, d) => setTag(d.value)} placeholder="privileged" />
        </Field>
        <Button disabled={picked.length === 0} onClick={() => void action.run(() => api.tag(detail.id, picked, tag))}>
          Tag picked
        </Button>
        <Button onClick={() => void action.run(async () => saveDownload(await api.exportCase(detail.id, { searchId })))}>Export results</Button>
        <Field label="Hold name" validationMessage={fieldMessage(action.error, 'name')}>
          <Input value={holdName} onChange={(_e, d) => setHoldName(d.value)} />
        </Field>
        <Field label="Hold reason" validationMessage={fieldMessage(action.error, 'reason')}>
          <Input value={holdReason} onChange={(_e, d) => setHoldReason(d.value)} />
        </Field>
        <Button onClick={() => void action.run(() => api.holdSearch(detail.id, { searchId, name: holdName, reason: holdReason }))}>Hold these results</Button>
      </form>
    </section>
  );
}

function CaseRecords({ detail }: { detail: CaseDetail }) {
  const api = useApi();
  const tags = [...new Set(detail.tags.map((t) => t.tag))];
  const action = useAction();
  return (
    <>
      <ListTable
        label="Tags"
        size="small"
        columns={['Tag', 'Messages', null]}
        rows={tags}
        empty="No tagged message."
        row={(t) => (
          <TableRow key={t}>
            <TableCell>{t}</TableCell>
            <TableCell>{detail.tags.filter((x) => x.tag === t).length}</TableCell>
            <TableCell>
              <Button size="small" onClick={() => void action.run(async () => saveDownload(await api.exportCase(detail.id, { tag: t })))}>
                Export tagged
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
      <ErrorBar error={action.error as Error | null} title="Not exported" />
      <ListTable
        label="Holds of the case"
        size="small"
        columns={['Hold', 'Search', 'State']}
        rows={detail.holds}
        empty="No hold from this case."
        row={(h) => (
          <TableRow key={h.id}>
            <TableCell>{h.name}</TableCell>
            <TableCell>{h.query}</TableCell>
            <TableCell>{h.state}</TableCell>
          </TableRow>
        )}
      />
      <ListTable
        label="Exports"
        size="small"
        columns={['Exported', 'Messages', 'Manifest SHA-256']}
        rows={detail.exports}
        empty="Nothing exported yet."
        row={(e) => (
          <TableRow key={e.id}>
            <TableCell>{`${formatDateTime(e.at)} by ${e.by.upn}`}</TableCell>
            <TableCell>{e.messages}</TableCell>
            <TableCell>
              <code>{e.manifestSha256}</code>
            </TableCell>
          </TableRow>
        )}
      />
    </>
  );
}
