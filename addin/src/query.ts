import type { OpenItem } from './office';

/** Filters shown beside the search box; they become operators of the query language (query-help). */
export interface Filters {
  after: string;
  until: string;
  hasAttachment: boolean;
  folder: string;
}

export const noFilters: Filters = { after: '', until: '', hasAttachment: false, folder: '' };

const quote = (value: string) => `"${value.replace(/"/g, ' ').trim()}"`;

/** `before:` excludes its day; the "to" date of the filter includes it. */
function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function composeQuery(text: string, f: Filters): string {
  return [
    text.trim(),
    f.after && `after:${f.after}`,
    f.until && `before:${dayAfter(f.until)}`,
    f.hasAttachment && 'has:attachment',
    f.folder.trim() && `folder:${quote(f.folder)}`,
  ].filter(Boolean).join(' ');
}

export const activeFilterCount = (f: Filters) => [f.after, f.until, f.hasAttachment, f.folder.trim()].filter(Boolean).length;

/** The subject without reply and forward prefixes, in the languages Outlook writes them. */
export function conversationTopic(subject: string): string {
  return subject.replace(/^(\s*(re|fw|fwd|aw|wg|sv|vs|tr|rv|antw)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}

/** Exchange conversation ids are not in the archived MIME, so a conversation is found by its topic. */
export function relatedQuery(item: OpenItem, by: 'conversation' | 'sender'): string | null {
  if (by === 'sender') return item.fromAddress ? `from:${item.fromAddress}` : null;
  const topic = conversationTopic(item.subject);
  return topic ? `subject:${quote(topic)}` : null;
}
