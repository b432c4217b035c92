import { Button, Caption1, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { describeError } from '../errors';
import type { ApiClient } from '../shared/api';
import type { Facets } from '../shared/types';
import type { SearchRequest } from '../useSearch';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, paddingTop: tokens.spacingVerticalS },
  group: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, listStyleType: 'none', margin: 0, padding: 0 },
  heading: { margin: 0, fontSize: tokens.fontSizeBase200, fontWeight: tokens.fontWeightSemibold },
  // Long sender names and folder paths wrap inside the pane rather than widen it.
  value: { maxWidth: '100%', whiteSpace: 'normal', overflowWrap: 'anywhere', textAlign: 'start' },
  muted: { color: tokens.colorNeutralForeground3 },
});

interface Choice {
  label: string;
  count: number;
  /** What the choice adds to the query. */
  operator: string;
}

const quote = (v: string) => `"${v.replace(/"/g, ' ').trim()}"`;

function groupsOf(f: Facets): { title: string; note?: string; choices: Choice[] }[] {
  const sampled = f.sendersSampled < f.total ? `among the newest ${f.sendersSampled}` : undefined;
  return [
    { title: 'Sender', note: sampled, choices: f.senders.map((s) => ({ label: s.name || s.value, count: s.count, operator: `from:${s.value}` })) },
    { title: 'Year', choices: f.years.map((y) => ({ label: String(y.value), count: y.count, operator: `after:${y.value}-01-01 before:${y.value + 1}-01-01` })) },
    { title: 'Folder', choices: f.folders.slice(0, 12).map((x) => ({ label: x.value, count: x.count, operator: `folder:${quote(x.value)}` })) },
    { title: 'Attachments', choices: f.hasAttachment > 0 ? [{ label: 'Has attachments', count: f.hasAttachment, operator: 'has:attachment' }] : [] },
  ].filter((g) => g.choices.length > 0);
}

/** Counts of the search on screen by sender, year, folder and attachment; a choice narrows the search. */
export function FacetsPanel({ api, request, onNarrow }: { api: ApiClient; request: SearchRequest; onNarrow: (operator: string) => void }) {
  const styles = useStyles();
  const [facets, setFacets] = useState<Facets | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setFacets(null);
    setError(null);
    api.facets(request.q, request.archive, controller.signal).then(setFacets, (err: unknown) => {
      if (!controller.signal.aborted) setError(describeError(err).message);
    });
    return () => controller.abort();
  }, [api, request.q, request.archive]);
  return (
    <section className={styles.root} id="search-facets" aria-label="Refine results">
      {error && <Caption1 role="alert">Counts unavailable: {error}</Caption1>}
      {!facets && !error && <Spinner size="tiny" label="Counting results…" />}
      {facets && facets.total === 0 && <Caption1 className={styles.muted}>Nothing to refine: no results.</Caption1>}
      {facets && groupsOf(facets).map((g) => (
        <div key={g.title}>
          <h3 className={styles.heading}>
            {g.title} {g.note && <Caption1 className={styles.muted}>({g.note})</Caption1>}
          </h3>
          <ul className={styles.group}>
            {g.choices.map((c) => (
              <li key={c.operator}>
                <Button className={styles.value} size="small" appearance="outline" onClick={() => onNarrow(c.operator)}>
                  {c.label}&nbsp;<Caption1 className={styles.muted}>{c.count}</Caption1>
                </Button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
