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
import { ADMIN, createProfile, runProfile } from '../archiving/helpers';
import { startStack, type Stack } from '../helpers/stack';
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

test('the answers of an archive with a run in it keep to their schemas', async () => {
  const megan = DEMO_USERS.megan.upn;
  const profile = await createProfile(stack, ADMIN, { name: 'Megan', source: { kind: 'single-mailbox', mailbox: megan } });
  const run = await runProfile(stack, profile);
  const wrong: string[] = [];
  const conforms = (route: string, body: unknown) => wrong.push(...drift(route, body));
  const get = async (path: string, as: string = ADMIN) => {
    const res = await stack.api(as, 'GET', path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  conforms('GET /api/me', await get('/me', megan));
  conforms('GET /api/archives', await get('/archives', megan));
  const page = await get('/search?q=&limit=5', megan);
  conforms('GET /api/search', page);
  assert.ok(page.value.length > 0, 'the run archived Megan\'s mail');
  conforms('GET /api/messages/{id}', await get(`/messages/${encodeURIComponent(page.value[0].id)}`, megan));
  conforms('GET /api/messages/{id}/hold', await get(`/messages/${encodeURIComponent(page.value[0].id)}/hold`, megan));
  conforms('GET /api/admin/runs', await get('/admin/runs'));
  conforms('GET /api/admin/runs/{id}', await get(`/admin/runs/${run._id}`));
  conforms('GET /api/admin/stats', await get('/admin/stats'));
  conforms('GET /api/admin/operations', await get('/admin/operations'));
  conforms('GET /api/admin/journal/status', await get('/admin/journal/status'));
  assert.deepEqual(wrong, []);
});
