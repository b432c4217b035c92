import { Body1, Spinner, Table, TableBody, TableHeader, TableHeaderCell, TableRow, makeStyles, type TableProps } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { TableScroll } from './TableScroll';
import { useTableStyles } from './tableStyles';

interface ListTableProps<T> {
  /** The table's accessible name. */
  label: string;
  /** Column headings; null heads a column of buttons (named "Actions" for screen readers only). */
  columns: (string | null)[];
  /** Undefined while the list loads. */
  rows: T[] | undefined;
  /** One `<TableRow>` with its key. */
  row: (item: T) => ReactNode;
  /** What an empty list says instead of the table; without it an empty list shows the bare table. */
  empty?: string;
  /** The spinner's label while loading. */
  loading?: string;
  size?: TableProps['size'];
}

// Read out, not shown: a header cell without a name leaves its column unexplained (axe: empty-table-header).
const useHidden = makeStyles({
  hidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clipPath: 'inset(50%)', whiteSpace: 'nowrap' },
});

/** A list the admin tab shows as a table: a spinner while loading, a sentence when empty, else the rows. */
export function ListTable<T>({ label, columns, rows, row, empty, loading, size }: ListTableProps<T>) {
  const tables = useTableStyles();
  const { hidden } = useHidden();
  if (!rows) return <Spinner label={loading} />;
  if (rows.length === 0 && empty !== undefined) return <Body1>{empty}</Body1>;
  return (
    <TableScroll label={label}>
      <Table className={tables.auto} size={size} aria-label={label}>
        <TableHeader>
          <TableRow>
            {columns.map((c, i) => (
              <TableHeaderCell key={i}>{c ?? <span className={hidden}>Actions</span>}</TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>{rows.map((r) => row(r))}</TableBody>
      </Table>
    </TableScroll>
  );
}
