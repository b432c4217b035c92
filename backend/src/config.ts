import { z } from 'zod';

/**
 * Configuration comes from the environment only. Every problem is reported at once, naming the
 * variable, so an operator fixes a deployment in one round instead of one crash per variable.
 */
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const httpsUrl = z
  .string()
  .url('must be a URL')
  .refine((u) => u.startsWith('https://'), 'must start with https:// (Entra ID and Graph are HTTPS only)')
  .transform((u) => u.replace(/\/+$/, ''));
const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));

const schema = z.object({
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default('m365archive'),
  TENANT_ID: guid,
  CLIENT_ID: guid,
  CLIENT_SECRET: z.string().min(1, 'is empty'),
  AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com'),
  GRAPH_SCOPE: z.string().default('https://graph.microsoft.com/.default'),
  ADMIN_USERS: list,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.string().url('must be a URL').optional(),
  /** Archiving jobs this process runs at once; 0 makes it an API-only process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(256).default(8),
  /**
   * Messages this process stores at once (blob, parse, message document), whatever the number of
   * mailboxes downloading: the database takes few concurrent writers well (FerretDB on SQLite
   * answered SQLITE_BUSY to some 80).
   */
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** How long a worker's claim on a job holds without a heartbeat; a dead worker's jobs move on after it. */
  JOB_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** A failed `$value` download is retried after this, doubling each time (archiving/owed.ts). */
  DOWNLOAD_RETRY_BASE_MS: z.coerce.number().int().min(10).max(86_400_000).default(60_000),
  /** Failed downloads of one message before it is failed for good (an administrator can retry it). */
  DOWNLOAD_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** How long a mailbox waits at its end for owed downloads that fall due, before leaving them to the next run. */
  DOWNLOAD_RETRY_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(120_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // --- Journal gateway (SMTP, MISSION M3): off unless SMTP_PORT is set ---
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SMTP_HOST: z.string().default('127.0.0.1'),
  /** The name the gateway greets with (EHLO); default: the machine's host name. */
  SMTP_NAME: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name').optional(),
  /** PEM files for STARTTLS; both or neither. */
  SMTP_TLS_CERT: z.string().min(1).optional(),
  SMTP_TLS_KEY: z.string().min(1).optional(),
  /** Refuse mail on connections that did not STARTTLS; default true when a certificate is configured. */
  SMTP_REQUIRE_TLS: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  /** AUTH with a journal mailbox address and its secret, offered only after STARTTLS. */
  SMTP_AUTH: z.enum(['off', 'optional', 'required']).default('optional'),
  SMTP_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 ** 3).default(150 * 1024 * 1024),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  SMTP_MAX_CONNECTIONS_PER_HOST: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Messages per minute per sending host; 0 = unlimited. */
  SMTP_RATE_LIMIT: z.coerce.number().int().min(0).default(30_000),
  /** IP addresses, CIDR ranges and host names (`*.example.com`) allowed to connect; empty = any. */
  SMTP_ALLOWED_HOSTS: list,
});

/** Problems that involve several SMTP_ variables; reported with the rest, by variable. */
function smtpProblems(c: z.infer<typeof schema>): { name: string; message: string }[] {
  const problems: { name: string; message: string }[] = [];
  const tls = Boolean(c.SMTP_TLS_CERT && c.SMTP_TLS_KEY);
  if (Boolean(c.SMTP_TLS_CERT) !== Boolean(c.SMTP_TLS_KEY)) problems.push({ name: c.SMTP_TLS_CERT ? 'SMTP_TLS_KEY' : 'SMTP_TLS_CERT', message: 'must be set together with the other of SMTP_TLS_CERT and SMTP_TLS_KEY' });
  if (c.SMTP_REQUIRE_TLS && !tls) problems.push({ name: 'SMTP_REQUIRE_TLS', message: 'needs SMTP_TLS_CERT and SMTP_TLS_KEY' });
  if (c.SMTP_AUTH === 'required' && !tls) problems.push({ name: 'SMTP_AUTH', message: 'required needs SMTP_TLS_CERT and SMTP_TLS_KEY: secrets never travel in clear text' });
  return problems;
}

export type Config = z.infer<typeof schema> & {
  /** Audiences accepted on tokens for this API: the v2 client id and the v1 App ID URI. */
  apiAudiences: string[];
  authority: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const missing = issue.code === 'invalid_type' && env[name] === undefined;
      return missing ? `${name} is required but not set` : `${name} ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const smtp = smtpProblems(c);
  if (smtp.length > 0) throw new ConfigError(smtp.map((p) => `${p.name} ${p.message}`));
  return {
    ...c,
    apiAudiences: [c.CLIENT_ID, `api://${c.CLIENT_ID}`],
    authority: `${c.AUTHORITY_HOST}/${c.TENANT_ID}`,
  };
}
