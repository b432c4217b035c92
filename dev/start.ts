/**
 * `npm start`: the whole product on one machine — database, Microsoft 365 emulator with the demo
 * tenant, backend (API, workers, pages) — with URLs printed. Ctrl+C stops everything.
 */
import { spawn } from 'node:child_process';
import { withMemoryEnv } from '../backend/src/memory-env';
import { ensureCertificates } from '../emulator/src/tls';
import { buildScript, pagesStale, type PagesApp } from './pages';

const { caCertPath: caPath } = await ensureCertificates();

// Node reads NODE_EXTRA_CA_CERTS only at start-up: re-run ourselves so that msal-node, jose and
// graph-client trust the emulator's local CA (TLS verification stays on), with the backend's
// memory settings (backend/src/memory-env.ts), which glibc and V8 also read only at start-up.
if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: withMemoryEnv({ ...process.env, NODE_EXTRA_CA_CERTS: caPath }),
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await runDemo();
}

async function runDemo(): Promise<void> {
  const { startDatabase } = await import('./database');
  const { startEmulator } = await import('../emulator/src/index');
  const { loadConfig } = await import('../backend/src/config');
  const { createLogger } = await import('../backend/src/log');
  const { startBackend } = await import('../backend/src/server');
  const { setUpDemo } = await import('./demo-setup');

  const { startLocalTsa } = await import('./tsa');
  const { TOOLS_DIR } = await import('./database');
  const { join } = await import('node:path');

  const db = await startDatabase({ log: (line) => console.log(`[database] ${line}`) });
  // A real RFC 3161 TSA (openssl ts) time-stamps the integrity ledger's roots, unless one is configured.
  const tsa = process.env.TSA_URL ? null : await startLocalTsa({ dir: join(TOOLS_DIR, 'tsa') });
  const emulator = await startEmulator({
    port: Number(process.env.EMULATOR_PORT ?? 8443),
    seed: 'demo',
    demo: { historyPerUser: Number(process.env.DEMO_HISTORY ?? 120) },
  });
  const smtpPort = process.env.SMTP_PORT ?? String(await freePort());
  const certs = await ensureCertificates();
  const config = loadConfig({
    ...process.env,
    MONGODB_URI: db.uri,
    MONGODB_DB: process.env.MONGODB_DB ?? 'm365archive_demo',
    TENANT_ID: emulator.tenantId,
    CLIENT_ID: emulator.apps.backend.clientId,
    CLIENT_SECRET: emulator.apps.backend.clientSecret,
    AUTHORITY_HOST: emulator.url,
    GRAPH_BASE_URL: emulator.graphBaseUrl,
    PORT: process.env.PORT ?? '3000',
    // The journal gateway as README's "Journaling from Exchange Online" sets it up: TLS (the
    // emulator's localhost certificate), senders from loopback only, AUTH with the mailbox secret.
    SMTP_PORT: smtpPort,
    SMTP_TLS_CERT: certs.certPath,
    SMTP_TLS_KEY: certs.keyPath,
    SMTP_ALLOWED_HOSTS: '127.0.0.1,::1',
    SMTP_AUTH: 'required',
    ...(tsa ? { TSA_URL: tsa.url, TSA_CA_FILE: tsa.caCertPath } : {}),
  });
  // The demo tenant registers the add-in and the Teams tab as an SPA app of their own.
  process.env.ADDIN_CLIENT_ID ??= emulator.apps.spa.clientId;
  await ensureBuilt('addin', 'the task pane');
  await ensureBuilt('teams-app', 'the Teams admin tab');
  const backend = await startBackend(config, createLogger(config.LOG_LEVEL));
  await setUpDemo({ backendUrl: backend.url, emulator, smtpPort: Number(smtpPort), log: (line) => console.log(`[demo] ${line}`) });

  console.log(`
  M365 Archive demo is running
    database   ${db.kind} ${db.uri}
    emulator   ${emulator.url}/  (the demo tenant's people and its CA; open it once to accept its certificate)
    backend    ${backend.url}   health ${backend.url}/healthz   ready ${backend.url}/readyz
    add-in     ${backend.url}/addin/  (Search my archive: sign in as megan.bowen@contoso.example)
    admin tab  ${backend.url}/admin-tab/  (Teams tab for administrators: sign in as adele.vance@contoso.example)
    journal    SMTP gateway on 127.0.0.1:${smtpPort}; the emulator's journal rule sends to it
    TSA        ${config.TSA_URL ?? 'none'}  (time-stamps the integrity ledger; CA ${config.TSA_CA_FILE ?? '-'})
  Ctrl+C stops everything.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await backend.close().catch(() => undefined);
    await emulator.close().catch(() => undefined);
    await tsa?.close().catch(() => undefined);
    await db.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `npm start`: the pages the backend serves are built when missing or older than their sources. */
async function ensureBuilt(dir: PagesApp, what: string): Promise<void> {
  if (!pagesStale(dir)) return;
  const script = buildScript(dir);
  console.log(`[${dir}] building ${what} (npm run ${script})…`);
  const code = await new Promise<number | null>((resolve) =>
    spawn('npm', ['run', script], { stdio: 'inherit' }).on('exit', resolve));
  if (code !== 0) console.error(`[${dir}] build failed; its pages will say so until \`npm run ${script}\` succeeds`);
}
