import type { ErrorRequestHandler } from 'express';
import { RetentionError } from '../../retention/errors';
import { HttpError, queryInputError } from '../errors';

/** Retention's domain errors, and search errors from queries the caller typed, as the API's JSON errors. */
export const retentionErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  if (err instanceof RetentionError) return next(new HttpError(err.status, err.code, err.message, err.field));
  next(queryInputError(err, 'query'));
};
