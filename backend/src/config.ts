import { z } from 'zod';
import { credentialProblems, credentialSchema, readCredential, type ClientCredential, type Problem } from './config-credential';
import { DEFAULT_TEXT_LIMITS, MAX_TEXT_CHARS } from './ingest/text-limits';
import { ANY_SENDER_PROBLEM, acceptsAnySender } from './journal/gateway-limits';

export type { ClientCredential } from './config-credential';

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

const baseSchema = z.object({
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  // At most 56: FerretDB names the search index's database `<MONGODB_DB>_search` (store/connection.ts), and takes 63 characters.
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,56}$/, 'letters, digits, _ and - only, at most 56').default('m365archive'),
  TENANT_ID: guid,
  CLIENT_ID: guid,
  /** Application ID URIs of the API besides `api://{CLIENT_ID}` and `api://{PUBLIC_URL host}/{CLIENT_ID}`: accepted as `aud` of v1.0 tokens. */
  API_APP_ID_URIS: z.string().optional().transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)),
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
  /**
   * Characters of a message's body text (every alternative together) and of its attachments'
   * text that are kept and indexed; what a message has beyond them is named in its reading pane.
   * Together at most 4 M (a message document stays below MongoDB's 16 MB).
   */
  INDEX_MAX_BODY_CHARS: z.coerce.number().int().min(10_000).max(MAX_TEXT_CHARS).default(DEFAULT_TEXT_LIMITS.maxBodyChars),
  INDEX_MAX_ATTACHMENT_CHARS: z.coerce.number().int().min(0).max(MAX_TEXT_CHARS).default(DEFAULT_TEXT_LIMITS.maxAttachmentTextChars),
  /** How long a worker's claim on a job holds without a heartbeat; a dead worker's jobs move on after it. */
  JOB_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /**
   * Time one message may take to render for the view (MIME walk and sanitising, in a worker
   * thread); past it the reader is told to download the message instead.
   */
  VIEW_TIME_LIMIT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
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
  /** Reports accepted and not yet filed from which MAIL FROM is answered late (back pressure); 0 = never. */
  SMTP_BACKLOG_LIMIT: z.coerce.number().int().min(0).default(100),
  /** IP addresses, CIDR ranges and host names (`*.example.com`) allowed to connect; empty = any. */
  SMTP_ALLOWED_HOSTS: list,
  /**
   * Names a sender's TLS client certificate must carry (subject or DNS alternative name, checked
   * like a server name); empty = no client certificate asked for. Exchange Online's outbound
   * connector presents one for mail.protection.outlook.com.
   */
  SMTP_TLS_CLIENT_NAMES: list,
  /** PEM file of the CAs client certificates must chain to; default: Node's public roots. */
  SMTP_TLS_CLIENT_CA: z.string().min(1).optional(),
  /** Lab only: a gateway with no allowed hosts, client names or required AUTH files anyone's reports. */
  SMTP_INSECURE_ACCEPT_ANY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  // --- Import (MISSION M14) ---
  /** Server folders an administrator may import from by path (comma-separated absolute paths); empty: none. */
  IMPORT_ALLOWED_FOLDERS: z.string().optional().transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)),
  /** Where uploaded files are written (streamed, resumable) until their import is done. */
  IMPORT_UPLOAD_DIR: z.string().min(1).optional(),
  IMPORT_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(100 * 1024 ** 3),
  IMPORT_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(150 * 1024 * 1024),
  /** Most bytes one zip may expand to, and the highest expansion ratio of an entry (zip bombs). */
  IMPORT_MAX_ZIP_BYTES: z.coerce.number().int().min(1024).default(100 * 1024 ** 3),
  IMPORT_MAX_ZIP_RATIO: z.coerce.number().min(2).default(200),
  // --- Operations: Prometheus metrics (http/metrics.ts) ---
  /** Bearer token Prometheus sends for /metrics; on the API's port /metrics is served only with one. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A listener of its own for /metrics (0 = none), bound to METRICS_HOST. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** The database size the operations dashboard counts the days down to (disk or plan size), in GiB; none by default. */
  DATABASE_SIZE_LIMIT_GB: z.coerce.number().positive().optional(),
  // --- Integrity (MISSION M12, M19): docs/integrity.md ---
  /** RFC 3161 time-stamping authority for the ledger's Merkle roots; unset: roots stay untimestamped. */
  TSA_URL: z.string().url('must be a URL').optional(),
  /** PEM file with the CA certificate(s) the TSA's tokens must chain to (needed to verify them). */
  TSA_CA_FILE: z.string().min(1).optional(),
  /**
   * How long after its period a root may wait for its token (a TSA that is down). Past it the
   * sealer leaves the root to an administrator's "stamp late", and verification names it.
   */
  TSA_GRACE_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  /** Length of a ledger period: each one with activity gets a Merkle root. */
  LEDGER_PERIOD_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  /** When the verification job runs (cron, 5 fields); "off" for on demand only. */
  INTEGRITY_VERIFY_CRON: z.string().default('30 2 * * *'),
  /** How fast verification reads stored bytes, so archiving goes on; 0: no limit. */
  INTEGRITY_VERIFY_MAX_MB_PER_S: z.coerce.number().min(0).default(20),
  /** Master key for encryption at rest: 32 bytes, base64 or hex, in this variable or in the file named by ENCRYPTION_MASTER_KEY_FILE. */
  ENCRYPTION_MASTER_KEY: z.string().min(1).optional(),
  ENCRYPTION_MASTER_KEY_FILE: z.string().min(1).optional(),
  /** The previous master key (same forms), while its data keys are re-wrapped under the new one. */
  ENCRYPTION_PREVIOUS_MASTER_KEY: z.string().min(1).optional(),
  ENCRYPTION_PREVIOUS_MASTER_KEY_FILE: z.string().min(1).optional(),
});

const schema = baseSchema.extend(credentialSchema.shape);

/** Problems that involve several SMTP_ variables; reported with the rest, by variable. */
function smtpProblems(c: z.infer<typeof baseSchema>): Problem[] {
  const problems: Problem[] = [];
  const tls = Boolean(c.SMTP_TLS_CERT && c.SMTP_TLS_KEY);
  if (Boolean(c.SMTP_TLS_CERT) !== Boolean(c.SMTP_TLS_KEY)) problems.push({ name: c.SMTP_TLS_CERT ? 'SMTP_TLS_KEY' : 'SMTP_TLS_CERT', message: 'must be set together with the other of SMTP_TLS_CERT and SMTP_TLS_KEY' });
  if (c.SMTP_REQUIRE_TLS && !tls) problems.push({ name: 'SMTP_REQUIRE_TLS', message: 'needs SMTP_TLS_CERT and SMTP_TLS_KEY' });
  if (c.SMTP_AUTH === 'required' && !tls) problems.push({ name: 'SMTP_AUTH', message: 'required needs SMTP_TLS_CERT and SMTP_TLS_KEY: secrets never travel in clear text' });
  if (c.SMTP_TLS_CLIENT_NAMES.length > 0 && !tls) problems.push({ name: 'SMTP_TLS_CLIENT_NAMES', message: 'needs SMTP_TLS_CERT and SMTP_TLS_KEY: client certificates come with TLS' });
  const sources = { allowedHosts: c.SMTP_ALLOWED_HOSTS, clientNames: c.SMTP_TLS_CLIENT_NAMES, auth: c.SMTP_AUTH };
  if (c.SMTP_PORT > 0 && acceptsAnySender(sources) && !c.SMTP_INSECURE_ACCEPT_ANY) problems.push({ name: 'SMTP_PORT', message: ANY_SENDER_PROBLEM });
  return problems;
}

/** The time-stamping authority and the master key of encryption at rest. */
function integrityProblems(c: z.infer<typeof baseSchema>): Problem[] {
  const problems: Problem[] = [];
  if (c.TSA_URL && !c.TSA_CA_FILE) problems.push({ name: 'TSA_CA_FILE', message: 'is needed with TSA_URL: the CA certificate that time-stamp tokens are verified against' });
  if (c.ENCRYPTION_MASTER_KEY && c.ENCRYPTION_MASTER_KEY_FILE) problems.push({ name: 'ENCRYPTION_MASTER_KEY_FILE', message: 'and ENCRYPTION_MASTER_KEY are both set: set one' });
  return problems;
}

/** The two text caps share what a message document can hold. */
function textProblems(c: z.infer<typeof baseSchema>): Problem[] {
  return c.INDEX_MAX_BODY_CHARS + c.INDEX_MAX_ATTACHMENT_CHARS > MAX_TEXT_CHARS
    ? [{ name: 'INDEX_MAX_ATTACHMENT_CHARS', message: `and INDEX_MAX_BODY_CHARS must add up to at most ${MAX_TEXT_CHARS} characters` }]
    : [];
}

export type Config = z.infer<typeof baseSchema> & {
  credential: ClientCredential;
  /** What every process of this deployment shares and nobody else knows (the secret or the certificate's key), to derive keys from. */
  deploymentSecret: string;
  /** Application ID URIs of this API: besides the client id, what v1.0 tokens may carry as `aud`. */
  appIdUris: string[];
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
    // The credential's own problems (none set, an unreadable key file) belong in the same report.
    const credential = credentialSchema.safeParse(env);
    const more = credential.success ? credentialProblems(readCredential(credential.data)) : [];
    throw new ConfigError([...problems, ...more.map((p) => `${p.name} ${p.message}`)]);
  }
  const c = baseSchema.parse(env);
  const credential = readCredential(parsed.data);
  const problems = [...smtpProblems(c), ...integrityProblems(c), ...textProblems(c), ...credentialProblems(credential)];
  if (problems.length > 0 || 'problems' in credential) throw new ConfigError(problems.map((p) => `${p.name} ${p.message}`));
  return {
    ...c,
    credential,
    deploymentSecret: credential.kind === 'secret' ? credential.secret : credential.privateKey,
    appIdUris: appIdUris(c),
    authority: `${c.AUTHORITY_HOST}/${c.TENANT_ID}`,
  };
}

/** The API's Application ID URIs: `api://{client id}`, the Teams SSO form with the public host, and any configured. */
function appIdUris(c: z.infer<typeof baseSchema>): string[] {
  const host = c.PUBLIC_URL ? new URL(c.PUBLIC_URL).host : undefined;
  return [...new Set([`api://${c.CLIENT_ID}`, ...(host ? [`api://${host}/${c.CLIENT_ID}`] : []), ...c.API_APP_ID_URIS])];
}
