import { Caption1, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import type { CompletenessRow, Verdict } from '../../api/types';
import { formatNumber } from '../../format';
import { StatusBadge } from '../common/StatusBadge';
import { TableScroll } from '../common/TableScroll';
import { useTableStyles } from '../common/tableStyles';

const SEVERITY: Record<Verdict, number> = { gaps: 0, 'catching-up': 1, complete: 2 };
type Key = 'verdict' | 'upn' | 'path' | 'inMailbox' | 'held' | 'filtered' | 'owed' | 'failed';
const COLUMNS: { key: Key; label: string }[] = [
  { key: 'verdict', label: 'Verdict' },
  { key: 'upn', label: 'Mailbox' },
  { key: 'path', label: 'Folder' },
  { key: 'inMailbox', label: 'In the mailbox' },
  { key: 'held', label: 'Archived' },
  { key: 'filtered', label: 'Filtered' },
  { key: 'owed', label: 'Owed' },
  { key: 'failed', label: 'Failed' },
];

function compare(a: CompletenessRow, b: CompletenessRow, key: Key): number {
  if (key === 'verdict') return SEVERITY[a.verdict] - SEVERITY[b.verdict];
  if (key === 'upn' || key === 'path') return a[key].localeCompare(b[key]);
  return (a[key] ?? -1) - (b[key] ?? -1);
}

/** Per mailbox and folder, Graph's count beside the archive's; sorted by any column, gaps first to begin with. */
export function CompletenessTable({ rows }: { rows: CompletenessRow[] }) {
  const tables = useTableStyles();
  const [sort, setSort] = useState<{ key: Key; direction: 'ascending' | 'descending' }>({ key: 'verdict', direction: 'ascending' });
  const sorted = useMemo(() => {
    const sign = sort.direction === 'ascending' ? 1 : -1;
    // Ties keep the order of mailbox and folder, so a sorted table still reads in a stable order.
    return [...rows].sort((a, b) => sign * compare(a, b, sort.key) || a.upn.localeCompare(b.upn) || a.path.localeCompare(b.path));
  }, [rows, sort]);
  const toggle = (key: Key) =>
    setSort((s) => ({ key, direction: s.key === key && s.direction === 'ascending' ? 'descending' : 'ascending' }));
  return (
    <TableScroll label="Completeness by folder">
      <Table className={tables.auto} size="small" sortable aria-label="Completeness by folder">
        <TableHeader>
          <TableRow>
            {COLUMNS.map((c) => (
              <TableHeaderCell key={c.key} sortDirection={sort.key === c.key ? sort.direction : undefined} onClick={() => toggle(c.key)}>
                {c.label}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {sorted.map((r) => (
            <TableRow key={`${r.mailboxId}:${r.folderId}`} data-verdict={r.verdict} title={r.statement}>
              <TableCell>
                <StatusBadge status={r.verdict} />
                {r.reason && <Caption1 block>{r.reason}</Caption1>}
              </TableCell>
              <TableCell>{r.upn}</TableCell>
              <TableCell>{r.path}</TableCell>
              <TableCell data-count="inMailbox">{r.inMailbox === null ? '—' : formatNumber(r.inMailbox)}</TableCell>
              <TableCell data-count="held">{formatNumber(r.held)}</TableCell>
              <TableCell data-count="filtered">{formatNumber(r.filtered)}</TableCell>
              <TableCell data-count="owed">{formatNumber(r.owed)}</TableCell>
              <TableCell data-count="failed">{formatNumber(r.failed)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
}
