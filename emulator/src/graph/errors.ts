/** A Graph error response: `{ error: { code, message, innerError } }` with its HTTP status. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function graphErrorBody(code: string, message: string, requestId: string, clientRequestId: string) {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

export const notFound = (code: string, message: string) => new GraphError(404, code, message);
export const badRequest = (code: string, message: string) => new GraphError(400, code, message);

export const itemNotFound = () => notFound('ErrorItemNotFound', 'The specified object was not found in the store.');

/** Directory (Entra) permission failures use a different code than Exchange ones. */
export const directoryDenied = () => new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
export const mailboxDenied = () => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

export const mailboxNotEnabled = () =>
  notFound('MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
