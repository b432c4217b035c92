/**
 * Why a domain module (search, retrieval, access, …) cannot do what a caller asked, as a kind
 * that http/errors.ts maps to a status, with the stable `code` and offending `field` the API
 * reports. Domain modules throw these and never import from http/; the CLI prints the message.
 */
export type DomainErrorKind =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'too_large'
  | 'unprocessable'
  /** Microsoft Graph refused or failed what the archive asked of it. */
  | 'upstream_failed'
  /** Microsoft Graph is busy: the caller may try again shortly. */
  | 'upstream_busy';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Input the caller sent that cannot be used, naming the field (`field: why`). */
export const invalidInput = (field: string, why: string) => new DomainError('invalid_input', 'invalid_input', `${field}: ${why}`, field);
export const notFound = (what = 'Resource') => new DomainError('not_found', 'not_found', `${what} not found`);
export const forbidden = (message: string) => new DomainError('forbidden', 'forbidden', message);
