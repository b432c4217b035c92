import type { Filters } from './query';

export type SortOrder = 'date' | 'relevance';

/** What the search box, filters and archive picker hold: kept in the page's address so a reload (or a link) keeps the search. */
export interface SearchInputs {
  text: string;
  filters: Filters;
  archive: string;
  sort: SortOrder;
}

const KEYS = { text: 'q', after: 'after', until: 'until', hasAttachment: 'attachment', folder: 'folder', archive: 'archive', sort: 'sort' } as const;

export function readSearchInputs(search = location.search): SearchInputs {
  const p = new URLSearchParams(search);
  const get = (key: string) => p.get(key) ?? '';
  return {
    text: get(KEYS.text),
    filters: { after: get(KEYS.after), until: get(KEYS.until), hasAttachment: p.get(KEYS.hasAttachment) === '1', folder: get(KEYS.folder) },
    archive: get(KEYS.archive) || 'all',
    sort: get(KEYS.sort) === 'relevance' ? 'relevance' : 'date',
  };
}

/** Replaces (not pushes) the address: Back leaves the add-in as before instead of stepping through every search. */
export function writeSearchInputs({ text, filters, archive, sort }: SearchInputs): void {
  const url = new URL(location.href);
  const set = (key: string, value: string) => (value ? url.searchParams.set(key, value) : url.searchParams.delete(key));
  set(KEYS.text, text.trim());
  set(KEYS.after, filters.after);
  set(KEYS.until, filters.until);
  set(KEYS.hasAttachment, filters.hasAttachment ? '1' : '');
  set(KEYS.folder, filters.folder.trim());
  set(KEYS.archive, archive === 'all' ? '' : archive);
  set(KEYS.sort, sort === 'date' ? '' : sort);
  if (url.href !== location.href) history.replaceState(history.state, '', url);
}
