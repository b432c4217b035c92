import { randomUUID } from 'node:crypto';

/** An error of the Microsoft identity platform's token endpoint, carrying its AADSTS code. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    description: string,
  ) {
    super(description);
  }
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/**
 * Shape of https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application:
 * the description repeats trace id, correlation id and timestamp on their own lines.
 */
export function entraErrorBody(e: EntraError, baseUrl: string, correlationId?: string): EntraErrorBody {
  const traceId = randomUUID();
  const correlation = correlationId || randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `${baseUrl}/error?code=${e.code}`,
  };
}

export const invalidRequest = (code: number, message: string) => new EntraError(400, 'invalid_request', code, message);
export const invalidGrant = (code: number, message: string) => new EntraError(400, 'invalid_grant', code, message);
export const invalidScope = (code: number, message: string) => new EntraError(400, 'invalid_scope', code, message);
export const invalidClient = (code: number, message: string) => new EntraError(401, 'invalid_client', code, message);
