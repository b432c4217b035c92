import { ApiError } from '@shared/api';

/**
 * The server's message for a form field, when the 400 names that field or one inside it
 * (`source.mailboxes.2` belongs to `source.mailboxes`). The "field: " prefix is dropped: the
 * message sits next to the field it is about.
 */
export function fieldMessage(error: unknown, ...paths: string[]): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  const field = error.field;
  if (!paths.some((p) => field === p || field.startsWith(`${p}.`))) return undefined;
  return error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
}

/** An error no field of the form shows: it goes in the bar above the buttons. */
export function unplacedError(error: unknown, placed: string[]): Error | null {
  if (!error) return null;
  return fieldMessage(error, ...placed) === undefined ? (error as Error) : null;
}
