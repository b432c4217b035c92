import { Button, CounterBadge, SearchBox, ToggleButton, makeStyles, tokens } from '@fluentui/react-components';
import { Filter20Regular, Search20Regular, TextBulletListSquare20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { activeFilterCount, type Filters } from '../query';
import type { ApiClient } from '../shared/api';
import type { Archive } from '../shared/types';
import type { SearchRequest } from '../useSearch';
import type { SortOrder } from '../url-state';
import { FacetsPanel } from './FacetsPanel';
import { FiltersPanel } from './FiltersPanel';
import { QueryHelp } from './QueryHelp';

const useStyles = makeStyles({
  root: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  box: { flexGrow: 1, minWidth: 0, maxWidth: 'none' },
  filterButton: { position: 'relative' },
  badge: { position: 'absolute', top: '-4px', right: '-4px' },
});

interface Props {
  text: string;
  onText: (text: string) => void;
  onSubmit: () => void;
  filters: Filters;
  onFilters: (f: Filters) => void;
  archives: Archive[];
  archive: string;
  onArchive: (id: string) => void;
  sort: SortOrder;
  onSort: (sort: SortOrder) => void;
  api: ApiClient;
  /** The search on screen, whose facets the Refine panel shows. */
  request: SearchRequest | null;
  onNarrow: (operator: string) => void;
  /** The signed-in person's mail domain, for the help's examples. */
  domain: string | undefined;
}

export function SearchForm({ text, onText, onSubmit, filters, onFilters, archives, archive, onArchive, sort, onSort, api, request, onNarrow, domain }: Props) {
  const styles = useStyles();
  const [showFilters, setShowFilters] = useState(false);
  const [showFacets, setShowFacets] = useState(false);
  const count = activeFilterCount(filters) + (archive === 'all' ? 0 : 1);
  return (
    <form
      role="search"
      className={styles.root}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <div className={styles.row}>
        <SearchBox
          className={styles.box}
          value={text}
          onChange={(_, d) => onText(d.value)}
          placeholder="Search archived mail"
          aria-label="Search your archive"
          aria-describedby="search-hint"
        />
        <Button type="submit" appearance="primary" icon={<Search20Regular />} aria-label="Search" />
        <QueryHelp domain={domain} onExample={(example) => onText(text.trim() ? `${text.trim()} ${example}` : example)} />
        <span className={styles.filterButton}>
          <ToggleButton
            appearance="subtle"
            icon={<Filter20Regular />}
            checked={showFilters}
            onClick={() => setShowFilters((v) => !v)}
            aria-expanded={showFilters}
            aria-controls="search-filters"
            aria-label={count ? `Filters, ${count} active` : 'Filters'}
          />
          {count > 0 && <CounterBadge className={styles.badge} size="small" count={count} aria-hidden />}
        </span>
        <ToggleButton
          appearance="subtle"
          icon={<TextBulletListSquare20Regular />}
          checked={showFacets}
          onClick={() => setShowFacets((v) => !v)}
          aria-expanded={showFacets}
          aria-controls="search-facets"
          aria-label="Refine: senders, years, folders"
        />
      </div>
      <span id="search-hint" hidden>Words, "phrases", from:, to:, subject:, has:attachment, before:, after:, folder:. Press Enter to search.</span>
      {showFilters && <FiltersPanel api={api} filters={filters} onChange={onFilters} archives={archives} archive={archive} onArchive={onArchive} sort={sort} onSort={onSort} />}
      {showFacets && request && <FacetsPanel api={api} request={request} onNarrow={onNarrow} />}
    </form>
  );
}
