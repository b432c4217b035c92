import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_USERS } from '../../emulator/src/index';
import { WORDS } from '../fixtures/attachments/words';
import { corpusDir } from '../helpers/corpus';
import { spawnBackend, type BackendProcess } from '../helpers/process';
import { productionInstall } from '../helpers/production';
import { startStack, waitFor, type Stack } from '../helpers/stack';

/**
 * The production build: the backend bundled by backend/scripts/build.ts, started with `node`
 * from a folder where only `npm ci --omit=dev` (the backend's dependencies) was installed: no
 * tsx, no dev dependency, no path back into the repository. Every worker thread's bundle is
 * used: attachment text (extract-worker), the message view (render-worker), PST reading
 * (outlook-worker).
 */
const ADMIN = DEMO_USERS.admin.upn;
const MEGAN = DEMO_USERS.megan;
const METRICS_TOKEN = 'production-build-metrics';
let stack: Stack;
let prod: BackendProcess;
let importDir: string;
let externals: string[];

before(async () => {
  const install = await productionInstall();
  externals = install.build.externals;
  importDir = path.join(tmpdir(), `prod-import-${process.pid}`);
  mkdirSync(importDir, { recursive: true });
  stack = await startStack({ seed: 'demo', workers: 0 });
  prod = await spawnBackend(stack.config, { WORKER_CONCURRENCY: '2', IMPORT_ALLOWED_FOLDERS: importDir, METRICS_TOKEN }, [path.join(install.dir, 'dist/backend/start.js')]);
});
after(async () => {
  await prod?.stop();
  await stack?.close();
});

async function api(user: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${prod.url}/api${route}`, {
    method,
    headers: { authorization: `Bearer ${await stack.emulator.issueUserToken(user)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}

/** A message with a Word attachment whose text only the extraction worker can read. */
function messageWithAttachment(): Buffer {
  const docx = readFileSync(new URL('../fixtures/attachments/project-brief.docx', import.meta.url)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Adele Vance <adele.vance@contoso.example>',
      `To: ${MEGAN.upn}`,
      'Subject: The project brief',
      'Date: Tue, 03 Nov 2026 10:00:00 +0000',
      'Message-ID: <brief-1@contoso.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Here is the <b>brief</b>.</p><img src="https://tracker.example/pixel.gif">',
      '--b1',
      'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="project-brief.docx"',
      'Content-Disposition: attachment; filename="project-brief.docx"',
      'Content-Transfer-Encoding: base64',
      '',
      docx,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

test('the bundle imports only packages the backend depends on, and no dev tool', () => {
  const declared = Object.keys(JSON.parse(readFileSync(new URL('../../backend/package.json', import.meta.url), 'utf8')).dependencies);
  assert.deepEqual(externals.filter((name) => !declared.includes(name)), []);
  for (const dev of ['tsx', 'esbuild', 'typescript', 'vite']) assert.ok(!externals.includes(dev), `the bundle imports ${dev}`);
});

test('the built backend, on production dependencies alone, imports, extracts, renders and reports metrics', async () => {
  assert.equal((await fetch(`${prod.url}/healthz`)).status, 200);
  const ready = await fetch(`${prod.url}/readyz`);
  assert.equal(ready.status, 200, await ready.text());
  assert.equal((await api(ADMIN, 'POST', '/admin/directory/sync')).status < 300, true);

  writeFileSync(path.join(importDir, 'brief.eml'), messageWithAttachment());
  const pst = corpusDir() ? path.join(corpusDir()!, 'java-libpst/dist-list.pst') : null;
  if (pst) copyFileSync(pst, path.join(importDir, 'dist-list.pst'));
  const created = await api(ADMIN, 'POST', '/imports', { archive: MEGAN.upn, source: { kind: 'path', path: importDir } });
  assert.equal(created.status, 201, created.text);
  const done = await waitFor('the import to finish in the built backend', async () => {
    const view = await api(ADMIN, 'GET', `/imports/${created.body.id}`);
    return ['done', 'failed'].includes(view.body.state) ? view.body : undefined;
  });
  assert.equal(done.state, 'done', done.error);
  assert.equal(done.messages.failed, 0, JSON.stringify(done));
  if (pst) assert.ok(done.messages.archived > 1, 'the PST was read by the Outlook worker thread');

  // Attachment text comes from the extraction worker thread.
  const found = await api(MEGAN.upn, 'GET', `/search?q=${WORDS.docx}`);
  assert.equal(found.status, 200, found.text);
  assert.equal(found.body.value.length, 1, found.text);

  // The reading pane comes from the render worker thread: sanitised, remote content gone.
  const id = encodeURIComponent(found.body.value[0].id);
  const view = await fetch(`${prod.url}/api/messages/${id}/view`, { headers: { authorization: `Bearer ${await stack.emulator.issueUserToken(MEGAN.upn)}` } });
  const html = await view.text();
  assert.equal(view.status, 200, html);
  assert.match(html, /<b>brief<\/b>/);
  assert.doesNotMatch(html, /\ssrc="https:\/\/tracker/, "no remote image is loaded");

  const metrics = await (await fetch(`${prod.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  assert.match(metrics, /m365archive_messages_archived_total\{source="import"\} [1-9]/);
  assert.match(metrics, /^process_resident_memory_bytes \d+/m);
});

test('the built backend serves the pages from dist/ beside it', async (t) => {
  if (!existsSync(new URL('../../addin/dist/index.html', import.meta.url))) return t.skip('the add-in is not built (npm test builds it first)');
  const page = await fetch(`${prod.url}/addin/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
});
