import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import { onItemChanged, openItem, type OfficeHost } from '../office';
import { composeQuery, type Filters } from '../query';
import type { ApiClient } from '../shared/api';
import type { Auth } from '../shared/auth';
import type { Archive } from '../shared/types';
import { useSearch } from '../useSearch';
import { readSearchInputs, writeSearchInputs } from '../url-state';
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
  const [archives, setArchives] = useState<Archive[]>([]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [item, setItem] = useState(() => openItem(office));

  useEffect(() => {
    api.archives().then(setArchives, () => setArchives([]));
  }, [api]);
  useEffect(() => onItemChanged(office, () => setItem(openItem(office))), [office]);

  const run = useCallback(
    (q: string, f: Filters, a: string) => {
      setOpenId(null);
      writeSearchInputs({ text: q, filters: f, archive: a });
      // An empty query is the archive newest first: recent mail, as Outlook opens on the inbox.
      void search({ q: composeQuery(q, f), archive: a });
    },
    [search],
  );

  // On opening, the search of the page's address (kept across a reload), else recent mail.
  useEffect(() => run(initial.text, initial.filters, initial.archive), [run, initial]);

  // Filters apply to the search on screen as soon as they settle (typing a folder name included).
  // A search that already asks exactly this keeps its results and the open message.
  const active = state.request !== null;
  const latest = useRef({ text, run, request: state.request });
  latest.current = { text, run, request: state.request };
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => {
      const { text: q, run: rerun, request } = latest.current;
      if (request?.q === composeQuery(q, filters) && request.archive === archive) return;
      rerun(q, filters, archive);
    }, 400);
    return () => clearTimeout(timer);
  }, [filters, archive, active]);

  const hit = state.hits.find((h) => h.id === openId) ?? null;
  // Keyboard users land back on the message they had open.
  const closeReader = (id: string) => {
    setOpenId(null);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`)?.focus());
  };
  return (
    <div className={styles.root}>
      <Header account={auth.account} onSignOut={() => void auth.signOut()} />
      <SearchForm
        text={text}
        onText={setText}
        onSubmit={() => run(text, filters, archive)}
        filters={filters}
        onFilters={setFilters}
        archives={archives}
        archive={archive}
        onArchive={setArchive}
      />
      {item && (
        <RelatedBar
          item={item}
          onSearch={(q) => {
            setText(q);
            run(q, filters, archive);
          }}
        />
      )}
      <main className={styles.body}>
        <div className={mergeClasses(styles.list, hit ? styles.hiddenWhenNarrow : undefined)}>
          <ResultList
            state={state}
            selectedId={openId}
            onOpen={setOpenId}
            onLoadMore={loadMore}
            onRetry={retry}
          />
        </div>
        {hit && (
          <div className={styles.reader}>
            <Reader key={hit.id} api={api} hit={hit} canRestore={canRestore(archives, hit.archiveId)} onlineArchive={archives.some((a) => a.own && a.onlineArchive)} onClose={() => closeReader(hit.id)} />
          </div>
        )}
      </main>
    </div>
  );
}
