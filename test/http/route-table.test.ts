// Every route the backend serves, with who may call it, how it may be cached and what it writes
// to the audit trail. The table is checked against the app itself: a route without an entry (or
// an entry without a route) fails here, and each route is called as a stranger, a user and an
// administrator to see that the answers keep to the table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';
import { routesOf } from './routes';

/**
 * who: 'public' (no token), 'user' (any signed-in user; the archive decides per item), 'admin',
 * 'admin+auditor', 'admin+quarantine' (an administrator holding the journal quarantine's read grant),
 * 'auditor' (only the Archive.Auditor app role: an administrator without it is refused),
 * 'metrics' (Prometheus with METRICS_TOKEN; no Entra token opens it).
 * audit: the action written when the call succeeds, or null for none.
 */
type Who = 'public' | 'user' | 'admin' | 'admin+auditor' | 'auditor' | 'admin+quarantine' | 'metrics';
interface Policy {
  who: Who;
  cache: string;
  audit: string | null;
}

const PRIVATE = 'private, no-store';
const user = (audit: string | null = null): Policy => ({ who: 'user', cache: PRIVATE, audit });
const admin = (audit: string | null = null): Policy => ({ who: 'admin', cache: PRIVATE, audit });
const pages: Policy = { who: 'public', cache: 'no-cache', audit: null };

export const ROUTES: Record<string, Policy> = {
  'GET /healthz': { who: 'public', cache: '', audit: null },
  'GET /readyz': { who: 'public', cache: PRIVATE, audit: null },
  'GET /metrics': { who: 'metrics', cache: 'no-store', audit: null },
  'GET /addin/config.json': pages,
  'GET /addin/query-help.json': { ...pages, cache: '' },
  'GET /admin-tab/config.json': pages,
  'GET /admin-tab/query-help.json': { ...pages, cache: '' },

  'GET /api/me': user(),
  'GET /api/openapi.json': user(),
  'GET /api/archives': user(),
  'GET /api/search': user('search'),
  'GET /api/search/facets': user('search'),
  'POST /api/export': user('export'),
  'GET /api/messages/:id': user('view'),
  'GET /api/messages/:id/conversation': user('search'),
  'POST /api/messages/:id/view-ticket': user(),
  'GET /api/messages/:id/view': user('view'),
  'GET /api/messages/:id/raw': user('download'),
  'GET /api/messages/:id/attachments/:index': user('attachment'),
  'GET /api/messages/:id/cid/:contentId': user('attachment'),
  'POST /api/messages/:id/restore': user('restore'),

  'GET /api/audit': { who: 'admin+auditor', cache: PRIVATE, audit: 'audit-read' },
  'GET /api/audit/verify': { who: 'admin+auditor', cache: PRIVATE, audit: 'audit-verify' },
  'GET /api/admin/grants': admin(),
  'POST /api/admin/grants': admin('grant'),
  'DELETE /api/admin/grants': admin('revoke'),
  'GET /api/admin/stats': admin(),
  'GET /api/admin/operations': admin(),
  'GET /api/admin/reindex': admin(),
  'POST /api/admin/reindex': admin('reindex'),

  // Auditors read the integrity state and take proofs; only administrators start work or change keys.
  'GET /api/admin/integrity': { who: 'admin+auditor', cache: PRIVATE, audit: null },
  'POST /api/admin/integrity/proof': { who: 'admin+auditor', cache: PRIVATE, audit: 'integrity-proof' },
  'POST /api/admin/integrity/verify': admin('integrity-verify'),
  'POST /api/admin/integrity/seal': admin('integrity-seal'),
  'PUT /api/admin/integrity/encryption': admin('encryption-change'),
  'POST /api/admin/integrity/encryption/rotate': admin('encryption-rotate'),
  'POST /api/admin/integrity/encryption/reencrypt': admin('encryption-reencrypt'),

  'GET /api/admin/profiles': admin(),
  'POST /api/admin/profiles': admin(),
  'GET /api/admin/profiles/:id': admin(),
  'PUT /api/admin/profiles/:id': admin(),
  'PATCH /api/admin/profiles/:id': admin(),
  'DELETE /api/admin/profiles/:id': admin(),
  'POST /api/admin/profiles/:id/test': admin(),
  'POST /api/admin/profiles/:id/run': admin(),
  'GET /api/admin/runs': admin(),
  'GET /api/admin/runs/:id': admin(),
  'POST /api/admin/runs/:id/cancel': admin(),
  'GET /api/admin/runs/:id/completeness': admin(),
  'GET /api/admin/completeness': admin(),
  'GET /api/admin/failed-messages': admin(),
  'POST /api/admin/failed-messages/:id/retry': admin('retry-message'),

  'GET /api/admin/directory/settings': admin(),
  'PUT /api/admin/directory/settings': admin(),
  'POST /api/admin/directory/sync': admin(),
  'GET /api/admin/directory/users': admin(),
  'POST /api/admin/directory/users': admin(),

  'GET /api/admin/journal/status': admin(),
  'GET /api/admin/journal/mailboxes': admin(),
  'POST /api/admin/journal/mailboxes': admin('journal-mailbox-change'),
  'GET /api/admin/journal/mailboxes/:address': admin(),
  'PATCH /api/admin/journal/mailboxes/:address': admin('journal-mailbox-change'),
  'POST /api/admin/journal/mailboxes/:address/secret': admin('journal-mailbox-change'),
  'DELETE /api/admin/journal/mailboxes/:address': admin('journal-mailbox-change'),
  'GET /api/admin/journal/profiles': admin(),
  'POST /api/admin/journal/profiles': admin('profile-change'),
  'GET /api/admin/journal/profiles/:id': admin(),
  'PUT /api/admin/journal/profiles/:id': admin('profile-change'),
  'PATCH /api/admin/journal/profiles/:id': admin('profile-change'),
  'DELETE /api/admin/journal/profiles/:id': admin('profile-change'),
  'GET /api/admin/journal/reports': admin(),
  'GET /api/admin/journal/reports/:id': admin(),
  'GET /api/admin/journal/spool': admin(),
  'POST /api/admin/journal/spool/:id/retry': admin(),
  'GET /api/admin/journal/quarantine': admin('journal-quarantine-list'),
  'GET /api/admin/journal/quarantine/:id': { who: 'admin+quarantine', cache: PRIVATE, audit: 'view' },
  'GET /api/admin/journal/quarantine/:id/raw': { who: 'admin+quarantine', cache: PRIVATE, audit: 'download' },
  'DELETE /api/admin/journal/quarantine/:id': admin('journal-quarantine-delete'),

  // Retention and erasure change what the archive keeps: administrators only, four eyes in the service.
  'GET /api/admin/retention/policies': admin(),
  'POST /api/admin/retention/preview': admin(),
  'POST /api/admin/retention/policies': admin('retention-policy-change'),
  'PUT /api/admin/retention/policies/:id': admin('retention-policy-change'),
  'DELETE /api/admin/retention/policies/:id': admin('retention-policy-change'),
  'POST /api/admin/retention/policies/:id/approve': admin('retention-policy-approved'),
  'POST /api/admin/retention/policies/:id/reject': admin('retention-policy-rejected'),
  'GET /api/admin/retention/settings': admin(),
  'PUT /api/admin/retention/settings': admin('settings-change'),
  'POST /api/admin/retention/disposal': admin(),
  'GET /api/admin/retention/disposal': admin(),
  'GET /api/admin/erasure-requests': admin(),
  'POST /api/admin/erasure-requests': admin('erasure-requested'),
  'GET /api/admin/erasure-requests/:id': admin(),
  'POST /api/admin/erasure-requests/:id/approve': admin('erasure-approved'),
  'POST /api/admin/erasure-requests/:id/reject': admin('erasure-rejected'),
  'GET /api/admin/erasure-requests/:id/certificate': admin('erasure-certificate'),
  // Holds and the disposal log are for administrators and auditors; cases (eDiscovery) for auditors alone.
  'GET /api/compliance/disposals': { who: 'admin+auditor', cache: PRIVATE, audit: 'disposal-log-read' },
  'GET /api/compliance/holds': { who: 'admin+auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/holds': { who: 'admin+auditor', cache: PRIVATE, audit: 'legal-hold-set' },
  'GET /api/compliance/holds/:id': { who: 'admin+auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/holds/:id/lift': { who: 'admin+auditor', cache: PRIVATE, audit: 'legal-hold-lifted' },
  'GET /api/compliance/cases': { who: 'auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/cases': { who: 'auditor', cache: PRIVATE, audit: 'case-opened' },
  'GET /api/compliance/cases/:id': { who: 'auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/cases/:id/searches': { who: 'auditor', cache: PRIVATE, audit: 'case-search' },
  'GET /api/compliance/cases/:id/searches/:searchId/results': { who: 'auditor', cache: PRIVATE, audit: 'case-search' },
  'GET /api/compliance/cases/:id/tags': { who: 'auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/cases/:id/tags': { who: 'auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/cases/:id/untag': { who: 'auditor', cache: PRIVATE, audit: null },
  'POST /api/compliance/cases/:id/holds': { who: 'auditor', cache: PRIVATE, audit: 'legal-hold-set' },
  'POST /api/compliance/cases/:id/exports': { who: 'auditor', cache: PRIVATE, audit: 'case-export' },
  'GET /api/compliance/cases/:id/exports': { who: 'auditor', cache: PRIVATE, audit: null },
  'GET /api/messages/:id/hold': user(),

  // End users import their own PSTs when the admin setting allows it; the service decides per call.
  'GET /api/imports/settings': user(),
  'PUT /api/imports/settings': admin(),
  'POST /api/imports/uploads': user(),
  'GET /api/imports/uploads/:id': user(),
  'PATCH /api/imports/uploads/:id': user(),
  'POST /api/imports': user('import'),
  'GET /api/imports': user(),
  'GET /api/imports/:id': user(),
  'GET /api/imports/:id/notes': user(),
  'POST /api/imports/:id/:action': user(),
};

const METRICS_TOKEN = 'route-table-metrics-token';
let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0, env: { METRICS_TOKEN } });
});
after(async () => stack?.close());

test('every route the app serves is in the table, and every entry of the table is a route', () => {
  const served = routesOf(stack.backend.app);
  const listed = Object.keys(ROUTES).sort();
  assert.deepEqual(served.filter((r) => !ROUTES[r]), [], 'routes without an entry: add them to ROUTES with who, cache and audit');
  assert.deepEqual(listed.filter((r) => !served.includes(r)), [], 'entries without a route');
});

/** A concrete URL for a route: placeholder ids that reach the handler but name nothing. */
const concrete = (route: string) =>
  route.replace(':address', 'nobody@archive.example').replace(':index', '0').replace(':id', 'x').replace(':contentId', 'x');

async function call(route: string, as: string | null, bearer?: string, roles?: string[]) {
  const [method, path] = route.split(' ') as [string, string];
  const headers: Record<string, string> = {};
  if (as) headers.authorization = `Bearer ${await stack.emulator.issueUserToken(as, roles ? { roles } : {})}`;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const body = method === 'GET' ? undefined : '{}';
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.backend.url}${concrete(path)}`, { method, headers, body, redirect: 'manual' });
  await res.arrayBuffer();
  return res;
}

/** The audit trail's last sequence number: entries after it are what a call wrote. */
const lastAudit = async () => ((await stack.store.db.collection('audit').find({}).sort({ _id: -1 }).limit(1).toArray())[0]?._id as number | undefined) ?? 0;

test('each route answers a stranger, a user and an administrator as the table says, never cacheable', async () => {
  const ADMIN = DEMO_USERS.admin.upn;
  const MEGAN = DEMO_USERS.megan.upn;
  const AUDITOR = DEMO_USERS.lee.upn;
  const wrong: string[] = [];
  for (const [route, policy] of Object.entries(ROUTES)) {
    const expect = (what: string, ok: boolean) => ok || wrong.push(`${route}: ${what}`);
    if (policy.who === 'public') {
      const res = await call(route, null);
      expect(`public, answered ${res.status}`, res.status < 400);
      expect(`cache ${res.headers.get('cache-control')}`, (res.headers.get('cache-control') ?? '') === policy.cache || (policy.cache === '' && !/no-store/.test(res.headers.get('cache-control') ?? 'x')));
      continue;
    }
    if (policy.who === 'metrics') {
      const refused = await Promise.all([call(route, null), call(route, MEGAN), call(route, ADMIN), call(route, null, 'not-the-metrics-token')]);
      expect(`answered without the metrics token: ${refused.map((r) => r.status)}`, refused.every((r) => r.status === 401));
      const scraped = await call(route, null, METRICS_TOKEN);
      expect(`the metrics token got ${scraped.status}`, scraped.status === 200);
      expect(`cache ${scraped.headers.get('cache-control')}`, scraped.headers.get('cache-control') === policy.cache);
      continue;
    }
    const anonymous = await call(route, null);
    expect(`a stranger got ${anonymous.status}`, anonymous.status === 401);
    expect(`401 cacheable: ${anonymous.headers.get('cache-control')}`, anonymous.headers.get('cache-control') === PRIVATE);
    const asUser = await call(route, MEGAN);
    const userRefused = asUser.status === 401 || asUser.status === 403;
    expect(`a user got ${asUser.status}`, policy.who === 'user' ? !userRefused : asUser.status === 403);
    expect(`cacheable for a user: ${asUser.headers.get('cache-control')}`, asUser.headers.get('cache-control') === policy.cache);
    if (policy.who === 'auditor') {
      const asAdmin = await call(route, ADMIN);
      expect(`an admin without the auditor role got ${asAdmin.status}`, asAdmin.status === 403);
    }
    const before = await lastAudit();
    // The caller the route is for: an auditor (Lee with Archive.Auditor alone) or the administrator.
    const asAdmin = policy.who === 'auditor' ? await call(route, AUDITOR, undefined, ['Archive.Auditor']) : await call(route, ADMIN);
    expect(`its caller got ${asAdmin.status}`, policy.who === 'admin+quarantine' ? asAdmin.status === 403 : asAdmin.status !== 401 && asAdmin.status !== 403);
    expect(`cacheable for its caller: ${asAdmin.headers.get('cache-control')}`, asAdmin.headers.get('cache-control') === policy.cache);
    // Placeholder ids make most calls fail; those that succeed must write (or not) what the table says.
    if (asAdmin.ok) {
      const added = await stack.store.db.collection('audit').find({ _id: { $gt: before } as never }).toArray();
      const actions = added.map((e) => e.action as string);
      expect(`audited ${JSON.stringify(actions)}, table says ${policy.audit}`, policy.audit === null ? actions.length === 0 : actions.includes(policy.audit));
    }
  }
  assert.deepEqual(wrong, []);
});
