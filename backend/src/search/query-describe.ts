import type { Query } from './query-types';
import { joinUnits } from './tokenize';

const NEEDS_QUOTES = /[\s()"\u201c\u201d]/;

function fieldPrefix(field: string): string {
  return field === 'any' ? '' : `${field}:`;
}

function formatSize(bytes: number): string {
  for (const [unit, size] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]] as const) {
    if (bytes > 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

function formatDate(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function describe(q: Query, parent: Query['kind'] | null): string {
  switch (q.kind) {
    case 'all':
      return '';
    case 'and': {
      const text = q.items.map((i) => describe(i, 'and')).join(' ');
      return parent === 'or' || parent === 'not' ? `(${text})` : text;
    }
    case 'or': {
      const text = q.items.map((i) => describe(i, 'or')).join(' OR ');
      return parent === 'not' ? `(${text})` : text;
    }
    case 'not':
      return `-${describe(q.item, 'not')}`;
    case 'term':
      return `${fieldPrefix(q.field)}${q.value}${q.prefix ? '*' : ''}`;
    case 'phrase':
      return `${fieldPrefix(q.field)}"${joinUnits(q.terms)}"`;
    case 'hasAttachment':
      return 'has:attachment';
    case 'folder':
      return NEEDS_QUOTES.test(q.path) ? `folder:"${q.path}"` : `folder:${q.path}`;
    case 'date':
      return `${q.op}:${formatDate(q.date)}`;
    case 'size':
      return `size${q.op}${formatSize(q.bytes)}`;
  }
}

/**
 * Canonical text of a query, for tests and audit logs: normalised terms, explicit fields,
 * parentheses only where needed. Parsing it gives the same query back (phrases keep their
 * normalised text as `raw`).
 */
export function describeQuery(q: Query): string {
  return describe(q, null);
}
