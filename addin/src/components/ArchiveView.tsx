import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import { onItemChanged, openItem, type OfficeHost } from '../office';
import { composeQuery, type Filters } from '../query';
import type { ApiClient } from '../shared/api';
import type { Auth } from '../shared/auth';
import type { Archive, SearchHit } from '../shared/types';
import { useSearch } from '../useSearch';
import { readSearchInputs, writeSearchInputs, type SearchInputs } from '../url-state';
import { Header } from './Header';
import { Reader } from './Reader';
import { RelatedBar } from './RelatedBar';
import { ResultList } from './ResultList';
import { SearchForm } from './SearchForm';

const WIDE = '@media (min-width: 900px)';
const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', height: '100vh', backgroundColor: tokens.colorNeutralBackground1 },
  body: { display: 'flex', flexGrow: 1, minHeight: 0 },
  list: { flexGrow: 1, flexBasis: 0, overflowY: 'auto', minWidth: 0, [WIDE]: { flexGrow: 2, borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` } },
  reader: { flexGrow: 1, flexBasis: 0, minWidth: 0, overflowY: 'auto', [WIDE]: { flexGrow: 3 } },
  // In a task pane (320–450 px) the reader takes the whole width; the list keeps its scroll position underneath.
  hiddenWhenNarrow: { display: 'none', [WIDE]: { display: 'block' } },
});

// Until the archive list arrives, offer restore and let the API decide.
const canRestore = (archives: Archive[], id: string) => archives.find((a) => a.id === id)?.rights.includes('restore') ?? true;

export function ArchiveView({ api, auth, office }: { api: ApiClient; auth: Auth; office: OfficeHost | null }) {
  const styles = useStyles();
  const { state, search, loadMore, retry } = useSearch(api);
  const [initial] = useState(readSearchInputs);
  const [text, setText] = useState(initial.text);
  const [filters, setFilters] = useState<Filters>(initial.filters);
  const [archive, setArchive] = useState(initial.archive);
  const [sort, setSort] = useState(initial.sort);
  const [archives, setArchives] = useState<Archive[]>([]);
  // The open message: a result, or a message of its conversation that the list may not hold.
  const [hit, setHit] = useState<SearchHit | null>(null);
  const [threadShown, setThreadShown] = useState(false);
  const [item, setItem] = useState(() => openItem(office));

  useEffect(() => {
    api.archives().then(setArchives, () => setArchives([]));
  }, [api]);
  useEffect(() => onItemChanged(office, () => setItem(openItem(office))), [office]);

  const run = useCallback(
    (inputs: SearchInputs) => {
      setHit(null);
      writeSearchInputs(inputs);
      // An empty query is the archive newest first: recent mail, as Outlook opens on the inbox.
      void search({ q: composeQuery(inputs.text, inputs.filters), archive: inputs.archive, sort: inputs.sort });
    },
    [search],
  );

  // On opening, the search of the page's address (kept across a reload), else recent mail.
  useEffect(() => run(initial), [run, initial]);

  // Filters apply to the search on screen as soon as they settle (typing a folder name included).
  // A search that already asks exactly this keeps its results and the open message.
  const active = state.request !== null;
  const latest = useRef({ text, run, request: state.request });
  latest.current = { text, run, request: state.request };
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => {
      const { text: q, run: rerun, request } = latest.current;
      if (request?.q === composeQuery(q, filters) && request.archive === archive && request.sort === sort) return;
      rerun({ text: q, filters, archive, sort });
    }, 400);
    return () => clearTimeout(timer);
  }, [filters, archive, sort, active]);

  // A facet narrows the search on screen: its operator joins the words in the box.
  const narrow = (operator: string) => {
    const q = text.trim() ? `${text.trim()} ${operator}` : operator;
    setText(q);
    run({ text: q, filters, archive, sort });
  };
  // Keyboard users land back on the message they had open.
  const closeReader = (id: string) => {
    setHit(null);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`)?.focus());
  };
  return (
    <div className={styles.root}>
      <Header account={auth.account} onSignOut={() => void auth.signOut()} />
      <SearchForm
        text={text}
        onText={setText}
        onSubmit={() => run({ text, filters, archive, sort })}
        filters={filters}
        onFilters={setFilters}
        archives={archives}
        archive={archive}
        onArchive={setArchive}
        sort={sort}
        onSort={setSort}
        api={api}
        request={state.request}
        onNarrow={narrow}
        domain={auth.account?.username.split('@')[1]}
      />
      {item && (
        <RelatedBar
          item={item}
          onSearch={(q) => {
            setText(q);
            run({ text: q, filters, archive, sort });
          }}
        />
      )}
      <main className={styles.body}>
        <div className={mergeClasses(styles.list, hit ? styles.hiddenWhenNarrow : undefined)}>
          <ResultList
            state={state}
            selectedId={hit?.id ?? null}
            onOpen={(id) => setHit(state.hits.find((h) => h.id === id) ?? null)}
            onLoadMore={loadMore}
            onRetry={retry}
          />
        </div>
        {hit && (
          <div className={styles.reader}>
            <Reader key={hit.id} api={api} hit={hit} canRestore={canRestore(archives, hit.archiveId)} onlineArchive={archives.some((a) => a.own && a.onlineArchive)} onClose={() => closeReader(hit.id)} onOpen={setHit} threadShown={threadShown} onThreadShown={setThreadShown} />
          </div>
        )}
      </main>
    </div>
  );
}
