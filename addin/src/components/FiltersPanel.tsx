import { Button, Checkbox, Combobox, Dropdown, Field, Input, Option, makeStyles, tokens } from '@fluentui/react-components';
import type { Filters } from '../query';
import type { Archive } from '../shared/types';

const useStyles = makeStyles({
  root: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
    gap: tokens.spacingHorizontalS,
    paddingTop: tokens.spacingVerticalS,
  },
  wide: { gridColumn: '1 / -1' },
});

const FOLDERS = ['Inbox', 'Sent Items', 'Archive', 'Deleted Items', 'Drafts'];
const ONLINE_ARCHIVE = 'Online Archive';

interface Props {
  filters: Filters;
  onChange: (f: Filters) => void;
  archives: Archive[];
  archive: string;
  onArchive: (id: string) => void;
}

export function FiltersPanel({ filters, onChange, archives, archive, onArchive }: Props) {
  const styles = useStyles();
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const label = (a: Archive) => (a.own ? `${a.displayName} (mine)` : a.displayName);
  const selected = archives.find((a) => a.id === archive);
  const archiveName = selected ? label(selected) : 'All my archives';
  // Mail crawled from online archives sits under "Online Archive/…"; offered when the chosen archive (or any) has one.
  const folders = (selected ? selected.onlineArchive : archives.some((x) => x.onlineArchive)) ? [...FOLDERS, ONLINE_ARCHIVE] : FOLDERS;
  return (
    <div className={styles.root} id="search-filters" role="group" aria-label="Filters">
      <Field label="From date" size="small">
        <Input type="date" size="small" value={filters.after} max={filters.until || undefined} onChange={(_, d) => set({ after: d.value })} />
      </Field>
      <Field label="To date" size="small">
        <Input type="date" size="small" value={filters.until} min={filters.after || undefined} onChange={(_, d) => set({ until: d.value })} />
      </Field>
      <Field label="Folder" size="small">
        <Combobox
          size="small"
          freeform
          placeholder="Any folder"
          value={filters.folder}
          selectedOptions={filters.folder ? [filters.folder] : []}
          onChange={(e) => set({ folder: e.target.value })}
          onOptionSelect={(_, d) => set({ folder: d.optionValue ?? '' })}
        >
          {folders.map((f) => <Option key={f}>{f}</Option>)}
        </Combobox>
      </Field>
      {archives.length > 1 && (
        <Field label="Archive" size="small">
          <Dropdown size="small" value={archiveName} selectedOptions={[archive]} onOptionSelect={(_, d) => onArchive(d.optionValue ?? 'all')}>
            <Option value="all">All my archives</Option>
            {archives.map((a) => <Option key={a.id} value={a.id}>{label(a)}</Option>)}
          </Dropdown>
        </Field>
      )}
      <Checkbox className={styles.wide} label="Has attachments" checked={filters.hasAttachment} onChange={(_, d) => set({ hasAttachment: d.checked === true })} />
      <Button className={styles.wide} size="small" appearance="subtle" onClick={() => onChange({ after: '', until: '', hasAttachment: false, folder: '' })}>
        Clear filters
      </Button>
    </div>
  );
}
