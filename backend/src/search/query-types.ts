/** Fields a word or phrase can be restricted to. `to` covers To, Cc and Bcc. */
export type Field = 'from' | 'to' | 'subject' | 'filename' | 'body';

/**
 * A parsed query. Set semantics over the messages of one archive: `and` intersects, `or` unites,
 * `not` is the complement (so a query of only exclusions means "everything except those").
 */
export type Query =
  | { kind: 'and'; items: Query[] }
  | { kind: 'or'; items: Query[] }
  | { kind: 'not'; item: Query }
  /** `value` is normalised; with `prefix`, every indexed term starting with it matches. */
  | { kind: 'term'; field: Field | 'any'; value: string; prefix: boolean }
  /** `terms` are the normalised units in order (see tokenize.ts); `raw` is what was typed. */
  | { kind: 'phrase'; field: Field | 'any'; terms: string[]; raw: string }
  | { kind: 'hasAttachment' }
  /** Path as typed, segments separated by "/", without leading or trailing "/". */
  | { kind: 'folder'; path: string }
  /** `after`: at or after `date`; `before`: strictly before it (so a day is [after, before)). */
  | { kind: 'date'; op: 'before' | 'after'; date: Date }
  | { kind: 'size'; op: '>' | '<'; bytes: number }
  | { kind: 'all' };

/** Malformed query; `position` is the 0-based index in the input where the problem is. */
export class QuerySyntaxError extends Error {
  readonly code = 'invalid_query';

  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}
