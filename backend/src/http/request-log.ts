import type { RequestHandler } from 'express';
import type { Logger } from '../log';

/**
 * One info line per API request once it is answered: method, route path, status, time, caller.
 * The query string is left out: it can carry a view ticket (`t=`) or what someone searched for.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { method: req.method, path: req.baseUrl + req.path, status: res.statusCode, ms: Math.round(ms), user: req.caller?.upn };
      if (res.statusCode >= 500) log.warn(entry, 'request failed');
      else log.info(entry, 'request');
    });
    next();
  };
}
