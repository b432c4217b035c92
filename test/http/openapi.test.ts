// The API contract: GET /api/openapi.json describes every route the backend serves under /api,
// with its path parameters; the add-in's and the Teams tab's types are generated from it and
// current; and the answers of the routes it describes keep to their schemas.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { z } from 'zod';
import { API_TYPES_FILE, apiTypes } from '../../backend/scripts/api-types';
import { DEMO_USERS } from '../../emulator/src/index';
import { API_ROUTES } from '../../backend/src/http/contract/routes';
import { ADMIN, createProfile, waitForRun } from '../archiving/helpers';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { importState, patchChunk } from '../import/helpers-api';
import { routesOf } from './routes';

let stack: Stack;
let doc: { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>>; components: { schemas: Record<string, unknown> } };

before(async () => {
  stack = await startStack({ seed: 'demo' });
  const res = await stack.api(ADMIN, 'GET', '/openapi.json');
  assert.equal(res.status, 200);
  doc = res.body;
});
after(async () => stack?.close());

/** `GET /api/messages/:id` as the document names it: `GET /api/messages/{id}`. */
const asOpenApi = (route: string) => route.replace(/:(\w+)/g, '{$1}');

test('the document names every route the backend serves under /api, with its path parameters, and no other', () => {
  assert.equal(doc.openapi, '3.1.0');
  const served = routesOf(stack.backend.app).filter((r) => r.split(' ')[1]!.startsWith('/api/')).map(asOpenApi);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  assert.deepEqual(served.filter((r) => !documented.includes(r)), [], 'served but not in the document: add them to backend/src/http/contract/routes.ts');
  assert.deepEqual(documented.filter((r) => !served.includes(r)), [], 'in the document but not served');
  for (const route of served) {
    const [method, path] = route.split(' ') as [string, string];
    const names = doc.paths[path]![method.toLowerCase()]!.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    assert.deepEqual(names, [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]), route);
  }
});

test('a query a route validates is in the document as its parameters', () => {
  const search = doc.paths['/api/search']!.get!.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  assert.deepEqual(search, ['q', 'archive', 'cursor', 'limit', 'sort']);
});

test('the UIs\' generated API types are current (regenerate with `npm run gen:api`)', async () => {
  assert.ok((await readFile(API_TYPES_FILE, 'utf8')) === (await apiTypes()), 'addin/src/shared/api.gen.ts is stale: run `npm run gen:api` and commit it');
});

/**
 * What in an answer its schema does not describe: fields of another type or missing, and (as
 * parsing drops what a schema does not name) fields beyond it. Empty when the answer conforms.
 */
function drift(route: string, body: unknown): string[] {
  const schema = API_ROUTES[route]?.response as z.ZodType | undefined;
  if (!schema) return [`${route} has no response schema`];
  const parsed = schema.safeParse(body);
  if (!parsed.success) return parsed.error.issues.map((i) => `${route} ${i.path.join('.')}: ${i.message}`);
  try {
    assert.deepEqual(parsed.data, body);
    return [];
  } catch (err) {
    return [`${route} answers fields its schema does not describe: ${(err as Error).message.slice(0, 2000)}`];
  }
}

/** Diego with the auditor role in his token (eDiscovery cases are for auditors only). */
async function asAuditor(method: string, path: string, body?: unknown) {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.diego.upn, { roles: ['Archive.Auditor'] });
  const headers = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(`${stack.backend.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Calls a route as the admin (or `as`), expects its documented status, and notes where its answer (if any) drifts from its schema. */
async function call(wrong: string[], route: string, path: string, opts: { as?: string; body?: unknown; auditor?: boolean } = {}) {
  const method = route.split(' ')[0]!;
  const res = opts.auditor ? await asAuditor(method, path, opts.body) : await stack.api(opts.as ?? ADMIN, method, path, opts.body);
  assert.equal(res.status, API_ROUTES[route]?.status ?? 200, `${route}: ${JSON.stringify(res.body)}`);
  if (res.status !== 204) wrong.push(...drift(route, res.body));
  return res.body;
}

test('the answers of an archive with a run in it keep to their schemas', async () => {
  const megan = DEMO_USERS.megan.upn;
  const profile = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: megan } });
  const wrong: string[] = [];
  const run = await waitForRun(stack, ADMIN, (await call(wrong, 'POST /api/admin/profiles/{id}/run', `/admin/profiles/${profile}/run`))._id);
  await call(wrong, 'GET /api/me', '/me', { as: megan });
  await call(wrong, 'GET /api/archives', '/archives', { as: megan });
  const page = await call(wrong, 'GET /api/search', '/search?q=&limit=5', { as: megan });
  assert.ok(page.value.length > 0, 'the run archived Megan\'s mail');
  const message = `/messages/${encodeURIComponent(page.value[0].id)}`;
  await call(wrong, 'GET /api/messages/{id}', message, { as: megan });
  await call(wrong, 'GET /api/messages/{id}/hold', `${message}/hold`, { as: megan });
  await call(wrong, 'POST /api/messages/{id}/view-ticket', `${message}/view-ticket`, { as: megan });
  await call(wrong, 'GET /api/admin/runs', '/admin/runs');
  await call(wrong, 'GET /api/admin/runs/{id}', `/admin/runs/${run._id}`);
  await call(wrong, 'GET /api/admin/runs/{id}/completeness', `/admin/runs/${run._id}/completeness`);
  const report = await call(wrong, 'GET /api/admin/completeness', `/admin/completeness?profileId=${profile}`);
  assert.ok(report.rows.length > 0, 'the run checked folders');
  await call(wrong, 'GET /api/admin/failed-messages', '/admin/failed-messages');
  await call(wrong, 'GET /api/admin/stats', '/admin/stats');
  await call(wrong, 'GET /api/admin/operations', '/admin/operations');
  await call(wrong, 'GET /api/admin/journal/status', '/admin/journal/status');
  assert.ok((await call(wrong, 'POST /api/admin/integrity/seal', '/admin/integrity/seal')).rootsClosed > 0, 'the open period closes');
  const { jobId } = await call(wrong, 'POST /api/admin/integrity/verify', '/admin/integrity/verify');
  await waitFor('the verification', async () => ((await stack.api(ADMIN, 'GET', '/admin/integrity')).body.lastVerification?._id === jobId ? true : undefined));
  assert.equal((await call(wrong, 'GET /api/admin/integrity', '/admin/integrity')).lastVerification.counts.problems, 0);
  const hold = await call(wrong, 'POST /api/compliance/holds', '/compliance/holds', { body: { name: 'Contract', reason: 'A test of the contract', kind: 'archives', archives: [megan], endsAt: '2099-01-01' } });
  await call(wrong, 'GET /api/compliance/holds', '/compliance/holds');
  assert.ok((await call(wrong, 'GET /api/compliance/holds/{id}', `/compliance/holds/${hold.id}`)).messages > 0, 'the hold keeps the archived mail');
  await call(wrong, 'POST /api/compliance/holds/{id}/lift', `/compliance/holds/${hold.id}/lift`, { body: { reason: 'Done' } });

  const rules = { name: 'Contract', minDays: 30, scope: { archives: [megan] } };
  const preview = await call(wrong, 'POST /api/admin/retention/preview', '/admin/retention/preview', { body: { rules: { ...rules, minDays: 0, maxDays: 1 } } });
  assert.ok(preview.sample.length > 0, 'a one-day maximum would dispose of the archived mail');
  const { policy } = await call(wrong, 'POST /api/admin/retention/policies', '/admin/retention/policies', { body: { rules } });
  await call(wrong, 'PUT /api/admin/retention/policies/{id}', `/admin/retention/policies/${policy.id}`, { body: { rules: { ...rules, name: 'Contract, renamed' } } });
  assert.equal((await call(wrong, 'GET /api/admin/retention/policies', '/admin/retention/policies')).value[0].active.name, 'Contract, renamed');
  const disposal = await call(wrong, 'POST /api/admin/retention/disposal', '/admin/retention/disposal');
  await waitFor('the disposal run', async () => ((await stack.api(ADMIN, 'GET', '/admin/retention/disposal')).body.value.find((j: { id: string; finishedAt: string | null }) => j.id === disposal.jobId && j.finishedAt) ? true : undefined));
  await call(wrong, 'GET /api/admin/retention/disposal', '/admin/retention/disposal');
  await call(wrong, 'GET /api/compliance/disposals', '/compliance/disposals');
  await call(wrong, 'GET /api/admin/journal/reports', '/admin/journal/reports');
  await call(wrong, 'GET /api/admin/journal/quarantine', '/admin/journal/quarantine');
  await call(wrong, 'GET /api/admin/journal/spool', '/admin/journal/spool?held=false');
  assert.ok((await call(wrong, 'GET /api/audit', '/audit?limit=5')).nextCursor, 'the run and the calls left more than five entries');
  const erasure = await call(wrong, 'POST /api/admin/erasure-requests', '/admin/erasure-requests', { body: { addresses: [megan], reason: 'A test of the contract' } });
  await call(wrong, 'GET /api/admin/erasure-requests', '/admin/erasure-requests');
  assert.ok((await call(wrong, 'GET /api/admin/erasure-requests/{id}', `/admin/erasure-requests/${erasure.id}`)).listing.goes.length > 0, 'the request covers the archived mail');
  await call(wrong, 'POST /api/admin/erasure-requests/{id}/reject', `/admin/erasure-requests/${erasure.id}/reject`, { body: { reason: 'Not this one' } });
  assert.equal((await call(wrong, 'GET /api/admin/erasure-requests/{id}', `/admin/erasure-requests/${erasure.id}`)).listing, null);
  assert.equal((await call(wrong, 'GET /api/audit/verify', '/audit/verify')).ok, true);

  const auditor = { auditor: true };
  const made = await call(wrong, 'POST /api/compliance/cases', '/compliance/cases', { ...auditor, body: { name: 'Contract case' } });
  const kase = `/compliance/cases/${made.id}`;
  const word = (page.value[0].subject as string).split(/\s+/)[0]!;
  const { searches } = await call(wrong, 'POST /api/compliance/cases/{id}/searches', `${kase}/searches`, { ...auditor, body: { name: 'First', query: word } });
  const found = await call(wrong, 'GET /api/compliance/cases/{id}/searches/{searchId}/results', `${kase}/searches/${searches[0].id}/results?limit=5`, auditor);
  assert.ok(found.value.length > 0, `the saved search for "${word}" finds the archived mail`);
  const tag = { items: [found.value[0].id], tag: 'relevant' };
  assert.equal((await call(wrong, 'POST /api/compliance/cases/{id}/tags', `${kase}/tags`, { ...auditor, body: tag })).tagged, 1);
  await call(wrong, 'GET /api/compliance/cases/{id}/tags', `${kase}/tags`, auditor);
  await call(wrong, 'POST /api/compliance/cases/{id}/holds', `${kase}/holds`, { ...auditor, body: { searchId: searches[0].id, name: 'Case hold', reason: 'A test of the contract' } });
  await call(wrong, 'GET /api/compliance/cases/{id}/exports', `${kase}/exports`, auditor);
  assert.equal((await call(wrong, 'GET /api/compliance/cases/{id}', kase, auditor)).tags.length, 1);
  await call(wrong, 'POST /api/compliance/cases/{id}/untag', `${kase}/untag`, { ...auditor, body: tag });
  await call(wrong, 'GET /api/compliance/cases', '/compliance/cases', auditor);
  assert.deepEqual(wrong, []);
});

test('the answers of the profiles, settings and reindex the Teams tab edits keep to their schemas', async () => {
  const wrong: string[] = [];
  const body = { name: 'Contract', source: { kind: 'single-mailbox', mailbox: DEMO_USERS.megan.upn }, filters: { receivedAfter: '2020-01-31' }, schedule: { kind: 'interval', everyMinutes: 60 } };
  const { id, createdAt: _c, updatedAt: _u, ...settings } = await call(wrong, 'POST /api/admin/profiles', '/admin/profiles', { body });
  await call(wrong, 'GET /api/admin/profiles', '/admin/profiles');
  await call(wrong, 'GET /api/admin/profiles/{id}', `/admin/profiles/${id}`);
  await call(wrong, 'PUT /api/admin/profiles/{id}', `/admin/profiles/${id}`, { body: { ...settings, name: 'Contract, renamed' } });
  await call(wrong, 'PATCH /api/admin/profiles/{id}', `/admin/profiles/${id}`, { body: { enabled: false } });

  const directory = await call(wrong, 'GET /api/admin/directory/settings', '/admin/directory/settings');
  await call(wrong, 'POST /api/admin/directory/users', '/admin/directory/users', { body: { upn: 'catch-all@contoso.example', displayName: 'Catch-all', kind: 'catch-all' } });
  await call(wrong, 'GET /api/admin/directory/users', '/admin/directory/users?status=active');
  const retention = await call(wrong, 'GET /api/admin/retention/settings', '/admin/retention/settings');
  await call(wrong, 'PUT /api/admin/retention/settings', '/admin/retention/settings', { body: { ...retention, batchSize: 500 } });
  await call(wrong, 'PUT /api/admin/directory/settings', '/admin/directory/settings', { body: { ...directory, licensedOnly: false } });

  const mailbox = await call(wrong, 'POST /api/admin/journal/mailboxes', '/admin/journal/mailboxes', { body: { address: 'journal-contract@archive.example' } });
  const address = `/admin/journal/mailboxes/${encodeURIComponent(mailbox.address)}`;
  await call(wrong, 'GET /api/admin/journal/mailboxes', '/admin/journal/mailboxes');
  await call(wrong, 'GET /api/admin/journal/mailboxes/{address}', address);
  await call(wrong, 'PATCH /api/admin/journal/mailboxes/{address}', address, { body: { description: 'Contract' } });
  await call(wrong, 'POST /api/admin/journal/mailboxes/{address}/secret', `${address}/secret`);
  const journal = { name: 'Contract journal', mailbox: mailbox.address, internalDomains: ['contoso.example'] };
  const made = await call(wrong, 'POST /api/admin/journal/profiles', '/admin/journal/profiles', { body: journal });
  await call(wrong, 'GET /api/admin/journal/profiles', '/admin/journal/profiles');
  await call(wrong, 'GET /api/admin/journal/profiles/{id}', `/admin/journal/profiles/${made.id}`);
  await call(wrong, 'PUT /api/admin/journal/profiles/{id}', `/admin/journal/profiles/${made.id}`, { body: { ...journal, name: 'Contract journal, renamed' } });
  await call(wrong, 'PATCH /api/admin/journal/profiles/{id}', `/admin/journal/profiles/${made.id}`, { body: { enabled: false } });
  await call(wrong, 'DELETE /api/admin/journal/profiles/{id}', `/admin/journal/profiles/${made.id}`);
  await call(wrong, 'DELETE /api/admin/journal/mailboxes/{address}', address);

  assert.equal((await call(wrong, 'GET /api/admin/reindex', '/admin/reindex')).reindex, null);
  assert.ok((await call(wrong, 'POST /api/admin/reindex', '/admin/reindex')).reindex);
  assert.deepEqual(wrong, []);
});

test('the answers of an upload and its import keep to their schemas', async () => {
  const wrong: string[] = [];
  await call(wrong, 'GET /api/imports/settings', '/imports/settings');
  await call(wrong, 'PUT /api/imports/settings', '/imports/settings', { body: { usersMayImportPst: true } });
  const mbox = Buffer.from('From a@contoso.example Mon Jan  1 00:00:00 2024\nFrom: a@contoso.example\nSubject: Contract\nMessage-ID: <contract@contoso.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nHello\n');
  const { id } = await call(wrong, 'POST /api/imports/uploads', '/imports/uploads', { body: { name: 'contract.mbox', size: mbox.length } });
  const appended = await patchChunk(stack, ADMIN, id, 0, mbox);
  assert.equal(appended.status, 200);
  wrong.push(...drift('PATCH /api/imports/uploads/{id}', await appended.json()));
  await call(wrong, 'GET /api/imports/uploads/{id}', `/imports/uploads/${id}`);
  const created = await call(wrong, 'POST /api/imports', '/imports', { body: { archive: DEMO_USERS.megan.upn, source: { kind: 'upload', uploadId: id } } });
  const done = await importState(stack, ADMIN, created.id, ['done']);
  wrong.push(...drift('GET /api/imports/{id}', done));
  await call(wrong, 'GET /api/imports', '/imports');
  await call(wrong, 'GET /api/imports/{id}/notes', `/imports/${created.id}/notes`);
  assert.deepEqual(wrong, []);
});
