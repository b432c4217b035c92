import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured logs; anything that could carry a secret or a token is redacted by path. */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.clientSecret',
        '*.CLIENT_SECRET',
        '*.privateKey',
        '*.deploymentSecret',
        '*.accessToken',
        '*.access_token',
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
