import { Button, Caption1, Link, Popover, PopoverSurface, PopoverTrigger, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import { QuestionCircle20Regular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import type { QueryHelpEntry } from '../shared/types';

const useStyles = makeStyles({
  surface: { maxWidth: 'min(420px, calc(100vw - 24px))', maxHeight: '70vh', overflowY: 'auto' },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  example: { fontFamily: tokens.fontFamilyMonospace },
  description: { display: 'block', color: tokens.colorNeutralForeground2 },
});

let cached: Promise<QueryHelpEntry[]> | null = null;
// The backend serves the list it parses by (backend/src/search/query-help.ts), so the two never drift.
const loadHelp = () =>
  (cached ??= fetch(new URL('query-help.json', document.baseURI)).then((r) => (r.ok ? (r.json() as Promise<QueryHelpEntry[]>) : [])));

// The examples name this domain (backend/src/search/query-help.ts EXAMPLE_DOMAIN); people see their own.
const EXAMPLE_DOMAIN = 'example.com';

/** The search operators with examples; choosing an example adds it to the search box. */
export function QueryHelp({ onExample, domain }: { onExample: (example: string) => void; domain?: string }) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<QueryHelpEntry[]>([]);
  const withDomain = (text: string) => (domain ? text.replaceAll(EXAMPLE_DOMAIN, domain) : text);
  // Loaded before the popover opens, so focus can move straight to its first example.
  useEffect(() => {
    void loadHelp().then(setEntries, () => setEntries([]));
  }, []);
  return (
    <Popover open={open} onOpenChange={(_, d) => setOpen(d.open)} trapFocus positioning="below-end">
      <PopoverTrigger disableButtonEnhancement>
        <Button appearance="subtle" icon={<QuestionCircle20Regular />} aria-label="Search help: operators and examples" />
      </PopoverTrigger>
      <PopoverSurface className={styles.surface} aria-labelledby="query-help-title" tabIndex={-1}>
        <Subtitle2 as="h2" id="query-help-title">Search operators</Subtitle2>
        <ul className={styles.list}>
          {entries.map((entry) => ({ ...entry, example: withDomain(entry.example), description: withDomain(entry.description) })).map((e) => (
            <li key={e.operator}>
              <Link
                className={styles.example}
                onClick={() => {
                  onExample(e.example);
                  setOpen(false);
                }}
                aria-label={`Add ${e.example} to the search`}
              >
                {e.example}
              </Link>
              <Caption1 className={styles.description}>{e.description}</Caption1>
            </li>
          ))}
        </ul>
      </PopoverSurface>
    </Popover>
  );
}
