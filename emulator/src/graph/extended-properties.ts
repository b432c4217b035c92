import type { MessageRecord } from '../tenant/mailbox';
import { badRequest } from './errors';

/**
 * Single-value extended properties of messages
 * (https://learn.microsoft.com/en-us/graph/api/resources/singlevaluelegacyextendedproperty):
 * set when a message is created from JSON, read with
 * `$expand=singleValueExtendedProperties($filter=id eq '…')` on GET, list and message delta
 * (which documents `$expand`: https://learn.microsoft.com/en-us/graph/api/message-delta).
 * Three MAPI properties take effect on creation, as in Exchange: PR_MESSAGE_FLAGS (0x0E07; the
 * item is a draft while MSGFLAG_UNSENT 0x8 is set, read with MSGFLAG_READ 0x1), and the
 * delivery (0x0E06) and submit (0x0039) times behind receivedDateTime and sentDateTime.
 * An item created from MIME can carry none of them: it is always a draft.
 */
export const MESSAGE_FLAGS = 'integer 0x0e07';
export const DELIVERY_TIME = 'systemtime 0x0e06';
export const SUBMIT_TIME = 'systemtime 0x0039';
const MSGFLAG_READ = 0x1;
const MSGFLAG_UNSENT = 0x8;

export type ExtendedProperties = Map<string, { id: string; value: string }>;

const ID_FORMS = /^(\w+) (0x[0-9a-f]{1,4}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\} (Name \S.*|Id 0x[0-9a-f]{1,8}))$/i;

/** Property ids compare without regard to case in the type, tag and GUID; a name keeps its case. */
function keyOf(id: string): string {
  const named = / Name (.*)$/i.exec(id);
  return named ? `${id.slice(0, named.index).toLowerCase()} name ${named[1]}` : id.toLowerCase();
}

const stored = new WeakMap<MessageRecord, ExtendedProperties>();

export function propertiesOf(rec: MessageRecord): ExtendedProperties {
  return stored.get(rec) ?? new Map();
}

export function setProperties(rec: MessageRecord, props: ExtendedProperties): void {
  stored.set(rec, props);
}

/** The `singleValueExtendedProperties` of a create request; a malformed id or value is a 400. */
export function parseProperties(list: unknown): ExtendedProperties {
  const props: ExtendedProperties = new Map();
  if (list === undefined) return props;
  if (!Array.isArray(list)) throw badRequest('RequestBodyRead', "Invalid value for 'singleValueExtendedProperties': an array is expected.");
  for (const p of list as { id?: unknown; value?: unknown }[]) {
    if (typeof p?.id !== 'string' || !ID_FORMS.test(p.id) || typeof p.value !== 'string') {
      throw badRequest('ErrorInvalidProperty', `The extended property '${String(p?.id)}' is not valid: its id must be '{type} {tag}' or '{type} {guid} Name {name}' and its value a string.`);
    }
    props.set(keyOf(p.id), { id: p.id, value: p.value });
  }
  for (const key of [DELIVERY_TIME, SUBMIT_TIME]) {
    const value = props.get(key)?.value;
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw badRequest('ErrorInvalidPropertyValue', `The value '${value}' is not a valid SystemTime.`);
  }
  return props;
}

/** What PR_MESSAGE_FLAGS makes of a new item: without the property, a draft (MSGFLAG_UNSENT). */
export function flagsOf(props: ExtendedProperties): { isDraft: boolean; isRead: boolean } {
  const raw = props.get(MESSAGE_FLAGS)?.value;
  if (raw === undefined) return { isDraft: true, isRead: true };
  const flags = Number(raw);
  if (!Number.isInteger(flags)) throw badRequest('ErrorInvalidPropertyValue', `The value '${raw}' is not a valid Integer.`);
  return { isDraft: (flags & MSGFLAG_UNSENT) !== 0, isRead: (flags & MSGFLAG_READ) !== 0 };
}

/** The property ids a request asks to expand: `singleValueExtendedProperties($filter=id eq 'a' or id eq 'b')`. */
export function requestedProperties(query: URLSearchParams): string[] | undefined {
  const expand = /^singleValueExtendedProperties\(\$filter=(.+)\)$/i.exec(query.get('$expand')?.trim() ?? '');
  if (!expand) return undefined;
  const ids = expand[1]!.split(/\s+or\s+/i).map((clause) => /^id eq '([^']+)'$/i.exec(clause.trim())?.[1]);
  if (ids.some((id) => id === undefined || !ID_FORMS.test(id))) {
    throw badRequest('ErrorInvalidProperty', `The $expand filter '${expand[1]}' is not supported: use id eq '{property id}'.`);
  }
  return ids as string[];
}

/** The expanded properties a message has among those asked for; absent when it has none of them. */
export function expandedJson(rec: MessageRecord, ids: string[] | undefined): { singleValueExtendedProperties?: { id: string; value: string }[] } {
  if (!ids) return {};
  const props = propertiesOf(rec);
  const found = ids.map((id) => props.get(keyOf(id))).filter((p) => p !== undefined);
  return found.length ? { singleValueExtendedProperties: found.map((p) => ({ id: p.id, value: p.value })) } : {};
}
