import { Button, Caption1, Spinner, makeStyles, tokens, useArrowNavigationGroup } from '@fluentui/react-components';
import { useEffect, useRef } from 'react';
import { describeError, isTransient } from '../errors';
import type { SearchState } from '../useSearch';
import { Notice } from '../shared/Notice';
import { ResultRow } from './ResultRow';
import { ChatRun, groupChatRuns } from './ChatRun';

const useStyles = makeStyles({
  summary: { display: 'block', padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`, color: tokens.colorNeutralForeground3 },
  list: { listStyleType: 'none', margin: 0, padding: 0 },
  footer: { display: 'flex', justifyContent: 'center', padding: tokens.spacingVerticalM, color: tokens.colorNeutralForeground3 },
});

interface Props {
  state: SearchState;
  selectedId: string | null;
  onOpen: (id: string) => void;
  onLoadMore: () => void;
  onRetry: () => void;
}

/** Results newest first; the next page loads when the end of the list scrolls into view. */
export function ResultList({ state, selectedId, onOpen, onLoadMore, onRetry }: Props) {
  const styles = useStyles();
  const arrows = useArrowNavigationGroup({ axis: 'vertical', memorizeCurrent: true });
  const sentinel = useRef<HTMLDivElement>(null);
  const more = state.nextCursor !== null && !state.error;

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !more) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onLoadMore(), { rootMargin: '200px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [more, onLoadMore]);

  if (!state.request || state.loading === 'first') return <Notice kind="loading" title="Searching your archive…" />;
  const retry = <Button onClick={onRetry}>Try again</Button>;
  if (state.error && state.hits.length === 0) {
    const { title, message } = describeError(state.error);
    return <Notice kind="error" title={title} message={message} action={isTransient(state.error) ? retry : undefined} />;
  }
  const recent = state.request.q === '';
  if (state.hits.length === 0 && recent) {
    return <Notice kind="empty" title="Nothing archived yet" message="Your archived mail appears here, newest first, once your administrator's first archiving run has reached your mailbox." />;
  }
  if (state.hits.length === 0) {
    return <Notice kind="empty" title="No messages found" message="Check the spelling, use fewer words or clear some filters." />;
  }
  const count = `${state.totalIsEstimate ? 'About ' : ''}${state.total.toLocaleString()} message${state.total === 1 ? '' : 's'}`;
  return (
    <section aria-label="Search results">
      <Caption1 className={styles.summary} role="status">
        {recent ? `Recent mail, newest first (${count.toLowerCase()})` : count}
      </Caption1>
      <ul className={styles.list} {...arrows}>
        {groupChatRuns(state.hits).map((e) => ('chat' in e
          ? <ChatRun key={e.lines[0]!.id} chat={e.chat} lines={e.lines} selectedId={selectedId} onOpen={onOpen} />
          : <ResultRow key={e.hit.id} hit={e.hit} selected={e.hit.id === selectedId} onOpen={() => onOpen(e.hit.id)} />))}
      </ul>
      <div ref={sentinel} className={styles.footer}>
        {state.loading === 'more' && <Spinner size="tiny" label="Loading more…" />}
        {state.error !== null && <span role="alert">{describeError(state.error).title}. {retry}</span>}
        {more && !state.loading && <Button appearance="subtle" onClick={onLoadMore}>Load more</Button>}
        {!more && !state.error && <span>End of results</span>}
      </div>
    </section>
  );
}
