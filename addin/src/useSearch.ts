import { useCallback, useRef, useState } from 'react';
import type { ApiClient } from './shared/api';
import type { SearchHit } from './shared/types';
import type { SortOrder } from './url-state';

export interface SearchRequest {
  q: string;
  archive: string;
  sort: SortOrder;
}

export interface SearchState {
  request: SearchRequest | null;
  hits: SearchHit[];
  total: number;
  totalIsEstimate: boolean;
  nextCursor: string | null;
  loading: 'first' | 'more' | null;
  error: unknown;
}

const PAGE = 25;
const initial: SearchState = { request: null, hits: [], total: 0, totalIsEstimate: false, nextCursor: null, loading: null, error: null };

/** Runs a search and pages through it by cursor; a newer search cancels the one in flight. */
export function useSearch(api: ApiClient) {
  const [state, setState] = useState<SearchState>(initial);
  const inFlight = useRef<AbortController | null>(null);

  const fetchPage = useCallback(
    async (request: SearchRequest, cursor: string | null) => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      setState((s) => ({ ...(cursor ? s : { ...initial, request }), loading: cursor ? 'more' : 'first', error: null }));
      try {
        const page = await api.search({ ...request, cursor: cursor ?? undefined, limit: PAGE }, controller.signal);
        setState((s) => ({
          request,
          hits: cursor ? [...s.hits, ...page.value] : page.value,
          total: page.total,
          totalIsEstimate: page.totalIsEstimate,
          nextCursor: page.nextCursor,
          loading: null,
          error: null,
        }));
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, loading: null, error }));
      }
    },
    [api],
  );

  const search = useCallback((request: SearchRequest) => fetchPage(request, null), [fetchPage]);
  const loadMore = useCallback(() => {
    if (state.request && state.nextCursor && !state.loading) void fetchPage(state.request, state.nextCursor);
  }, [fetchPage, state.request, state.nextCursor, state.loading]);
  const retry = useCallback(() => {
    if (state.request) void fetchPage(state.request, state.hits.length ? state.nextCursor : null);
  }, [fetchPage, state.request, state.hits.length, state.nextCursor]);

  return { state, search, loadMore, retry };
}
