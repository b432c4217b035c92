import { Button, Checkbox, Dropdown, Field, Input, Option, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { Filters } from '../query';
import type { ApiClient } from '../shared/api';
import type { SortOrder } from '../url-state';
import type { Archive } from '../shared/types';

const useStyles = makeStyles({
  root: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
    gap: tokens.spacingHorizontalS,
    paddingTop: tokens.spacingVerticalS,
  },
  wide: { gridColumn: '1 / -1' },
  // Fluent's comboboxes and dropdowns want 250 px; in a 320–400 px task pane the grid decides.
  control: { minWidth: 0, width: '100%', boxSizing: 'border-box' },
});

const SORT_LABELS: Record<SortOrder, string> = { date: 'Date, newest first', relevance: 'Relevance' };

/** The folders the archive really holds (Inbox/Projects, Online Archive/…), from the facets of everything in it. */
function useArchivedFolders(api: ApiClient, archive: string): string[] {
  const [folders, setFolders] = useState<string[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    api.facets('', archive, controller.signal).then(
      (f) => setFolders(f.folders.map((x) => x.value).sort((a, b) => a.localeCompare(b))),
      () => setFolders([]),
    );
    return () => controller.abort();
  }, [api, archive]);
  return folders;
}

interface Props {
  api: ApiClient;
  filters: Filters;
  onChange: (f: Filters) => void;
  archives: Archive[];
  archive: string;
  onArchive: (id: string) => void;
  sort: SortOrder;
  onSort: (sort: SortOrder) => void;
}

export function FiltersPanel({ api, filters, onChange, archives, archive, onArchive, sort, onSort }: Props) {
  const styles = useStyles();
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const label = (a: Archive) => (a.own ? `${a.displayName} (mine)` : a.displayName);
  const selected = archives.find((a) => a.id === archive);
  const archiveName = selected ? label(selected) : 'All my archives';
  const folders = useArchivedFolders(api, archive);
  return (
    <div className={styles.root} id="search-filters" role="group" aria-label="Filters">
      <Field label="From date" size="small">
        <Input className={styles.control} type="date" size="small" value={filters.after} max={filters.until || undefined} onChange={(_, d) => set({ after: d.value })} />
      </Field>
      <Field label="To date" size="small">
        <Input className={styles.control} type="date" size="small" value={filters.until} min={filters.after || undefined} onChange={(_, d) => set({ until: d.value })} />
      </Field>
      <Field label="Folder" size="small">
        <Dropdown
          className={styles.control}
          size="small"
          placeholder="Any folder"
          value={filters.folder}
          selectedOptions={[filters.folder]}
          onOptionSelect={(_, d) => set({ folder: d.optionValue ?? '' })}
        >
          <Option value="">Any folder</Option>
          {/* A folder kept in the address that the list lacks (typed as folder: before) stays choosable. */}
          {[...new Set([...folders, ...(filters.folder ? [filters.folder] : [])])].map((f) => <Option key={f} value={f}>{f}</Option>)}
        </Dropdown>
      </Field>
      {archives.length > 1 && (
        <Field label="Archive" size="small">
          <Dropdown className={styles.control} size="small" value={archiveName} selectedOptions={[archive]} onOptionSelect={(_, d) => onArchive(d.optionValue ?? 'all')}>
            <Option value="all">All my archives</Option>
            {archives.map((a) => <Option key={a.id} value={a.id}>{label(a)}</Option>)}
          </Dropdown>
        </Field>
      )}
      <Field label="Sort by" size="small">
        <Dropdown className={styles.control} size="small" value={SORT_LABELS[sort]} selectedOptions={[sort]} onOptionSelect={(_, d) => onSort(d.optionValue === 'relevance' ? 'relevance' : 'date')}>
          <Option value="date">{SORT_LABELS.date}</Option>
          <Option value="relevance">{SORT_LABELS.relevance}</Option>
        </Dropdown>
      </Field>
      <Checkbox className={styles.wide} label="Has attachments" checked={filters.hasAttachment} onChange={(_, d) => set({ hasAttachment: d.checked === true })} />
      <Button className={styles.wide} size="small" appearance="subtle" onClick={() => onChange({ after: '', until: '', hasAttachment: false, folder: '' })}>
        Clear filters
      </Button>
    </div>
  );
}
