import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_DIR, TOOLS_DIR, startDatabase } from '../dev/database';

/**
 * `npm test` after lint and typecheck: one database for the whole run, the emulator's CA for
 * TLS, then node's test runner over every test file (or the files given as arguments).
 */
let interrupted: NodeJS.Signals | null = null;
let forwardSignal = (signal: NodeJS.Signals) => void (interrupted = signal);
// This process outlives the tests whatever happens, so that it always stops the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => forwardSignal(signal));

async function main(): Promise<number> {
  const started = Date.now();
  await ensureEmulatorCertificates();
  const files = process.argv.length > 2 ? process.argv.slice(2) : await findTestFiles(join(REPO_DIR, 'test'));
  if (files.length === 0) {
    console.error('No test files found.');
    return 1;
  }
  const db = await startDatabase({ log: (line) => console.log(line) });
  console.log(`Database: ${db.kind} at ${db.uri}`);
  try {
    if (interrupted) return 130;
    return await runTests(files, db.uri);
  } finally {
    await db.stop();
    console.log(`Database: ${db.kind}; whole run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function ensureEmulatorCertificates(): Promise<void> {
  const tls = join(REPO_DIR, 'emulator', 'src', 'tls.ts');
  if (!existsSync(tls)) return;
  const mod = (await import(pathToFileURL(tls).href)) as { ensureCertificates?: (dir?: string) => Promise<unknown> };
  await mod.ensureCertificates?.();
}

async function findTestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(REPO_DIR, join(e.parentPath, e.name)))
    .filter((file) => !file.startsWith(join('test', 'bench') + sep))
    .sort();
}

function runTests(files: string[], uri: string): Promise<number> {
  const ca = join(TOOLS_DIR, 'certs', 'ca.pem');
  const env: NodeJS.ProcessEnv = { ...process.env, MONGODB_URI: uri };
  if (existsSync(ca)) env.NODE_EXTRA_CA_CERTS = ca;
  const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : [];
  const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporter, ...files];
  const child = spawn(process.execPath, args, { cwd: REPO_DIR, env, stdio: 'inherit' });
  // Ctrl+C already reaches the tests through the process group; a second SIGINT would cut them short.
  forwardSignal = (signal) => void (signal === 'SIGTERM' && child.kill(signal));
  return new Promise((done) => {
    child.once('error', (err) => {
      console.error(`Could not start the test runner: ${err.message}`);
      done(1);
    });
    child.once('exit', (code, signal) => {
      done(code ?? (signal ? 1 : 0));
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
