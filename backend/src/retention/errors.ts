/** A retention request that cannot go ahead, with the status and stable code the API answers with. */
export class RetentionError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RetentionError';
  }
}

export const notFound = (what: string) => new RetentionError(404, 'not_found', `${what} not found`);

/** Four eyes: the administrator who asked cannot be the one who approves. */
export const sameAdministrator = (what: string) =>
  new RetentionError(403, 'four_eyes', `${what} must be approved by a second administrator, not the one who asked for it`);

export const actorOf = (caller: { oid: string; upn: string }) => ({ oid: caller.oid, upn: caller.upn });
