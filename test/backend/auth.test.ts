import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { DEMO_USERS } from '../../emulator/src/index';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0 });
});
after(async () => stack?.close());

async function me(token: string) {
  const res = await fetch(`${stack.backend.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const claimsOf = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString());

test('a token the tenant issued for this API is accepted and mapped to the user and roles', async () => {
  const admin = await me(await stack.emulator.issueUserToken(DEMO_USERS.admin.upn));
  assert.equal(admin.status, 200);
  assert.equal(admin.body.upn, DEMO_USERS.admin.upn);
  assert.deepEqual(admin.body.roles, ['admin']);
  const user = await me(await stack.emulator.issueUserToken(DEMO_USERS.megan.upn));
  assert.deepEqual(user.body.roles, []);
});

test('no token, or not a bearer token: 401 with a challenge', async () => {
  const res = await fetch(`${stack.backend.url}/api/me`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, 'missing_token');
  const basic = await fetch(`${stack.backend.url}/api/me`, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
  assert.equal(basic.status, 401);
});

test('a token for another audience (Microsoft Graph) is refused', async () => {
  const graphToken = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { audience: 'https://graph.microsoft.com' });
  const res = await me(graphToken);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /"(aud|iss)"/);
  assert.match(res.challenge ?? '', /invalid_token/);
});

test('an expired token is refused', async () => {
  const res = await me(await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { expiresInSeconds: -3600 }));
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /expired/);
});

test('a token whose claims were altered after signing is refused', async () => {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn);
  const [header, , signature] = parts(token);
  const forged = `${header}.${b64({ ...claimsOf(token), roles: ['Archive.Admin'] })}.${signature}`;
  const res = await me(forged);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /signature/);
});

test('an unsigned token (alg: none) is refused', async () => {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn);
  const header = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString());
  const unsigned = `${b64({ ...header, alg: 'none' })}.${b64(claimsOf(token))}.`;
  const res = await me(unsigned);
  assert.equal(res.status, 401);
});

test('a token signed by a key the tenant does not publish is refused, even with the right kid and claims', async () => {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn);
  const header = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString());
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT(claimsOf(token)).setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'JWT' }).sign(privateKey);
  const res = await me(forged);
  assert.equal(res.status, 401);
});

test('a token from another issuer is refused', async () => {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { issuer: 'https://sts.windows.net/another-tenant/' });
  assert.equal(claimsOf(token).iss, 'https://sts.windows.net/another-tenant/');
  const res = await me(token);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /iss/);
});

test('a token without the API scope (e.g. an app-only token) is refused', async () => {
  const res = await me(await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { scopes: ['User.Read'] }));
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /access_as_user/);
});

/** Runs `fn` with the API's app registration asking for v1.0 access tokens (`api.requestedAccessTokenVersion` 1). */
async function withV1Tokens(fn: () => Promise<void>): Promise<void> {
  const app = stack.emulator.tenant.apps.get(stack.emulator.apps.backend.clientId)!;
  app.requestedAccessTokenVersion = 1;
  try {
    await fn();
  } finally {
    app.requestedAccessTokenVersion = 2;
  }
}

test('v1.0 tokens are accepted by client id or Application ID URI, their user read from upn', async () => {
  const clientId = stack.emulator.apps.backend.clientId;
  await withV1Tokens(async () => {
    for (const audience of [clientId, `api://${clientId}`]) {
      const token = await stack.emulator.issueUserToken(DEMO_USERS.admin.upn, { audience });
      assert.deepEqual([claimsOf(token).ver, claimsOf(token).iss, claimsOf(token).aud], ['1.0', `https://sts.windows.net/${stack.emulator.tenantId}/`, audience]);
      const res = await me(token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.upn, DEMO_USERS.admin.upn);
      assert.deepEqual(res.body.roles, ['admin']);
    }
  });
});

test('each issuer only with its own token version and audiences', async () => {
  const clientId = stack.emulator.apps.backend.clientId;
  const v2 = (claims: Record<string, unknown>) => stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { claims });
  // A v2.0 token always names the API by its client id; v1.0 shapes never come from the v2.0 issuer.
  for (const token of [await v2({ aud: `api://${clientId}` }), await v2({ ver: '1.0' })]) {
    const res = await me(token);
    assert.equal(res.status, 401, JSON.stringify(claimsOf(token)));
    assert.match(res.body.error.message, /"(aud|ver)"/);
  }
  await withV1Tokens(async () => {
    const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { claims: { ver: '2.0' } });
    assert.equal((await me(token)).status, 401, 'a v2.0 claim from the v1.0 issuer');
    const other = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { claims: { aud: 'api://another-api' } });
    assert.equal((await me(other)).status, 401);
  });
});

test('signed claims of the wrong type never reach a role check or a database filter', async () => {
  const cases: Record<string, unknown>[] = [
    { roles: 'Archive.Admin' },
    { oid: { $ne: null } },
    { oid: 'not-a-guid' },
    { tid: 42 },
    { scp: ['access_as_user'] },
    { preferred_username: { $gt: '' } },
  ];
  for (const claims of cases) {
    const res = await me(await stack.emulator.issueUserToken(DEMO_USERS.megan.upn, { claims }));
    assert.equal(res.status, 401, JSON.stringify(claims));
    assert.equal(res.body.error.code, 'invalid_token');
    assert.match(res.body.error.message, new RegExp(`"${Object.keys(claims)[0]}"`));
  }
});

test('readiness checks the database and token acquisition, and names them to administrators only', async () => {
  const res = await fetch(`${stack.backend.url}/readyz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ready' }, 'a stranger learns ready or not, nothing more');
  const asUser = await fetch(`${stack.backend.url}/readyz`, { headers: { authorization: `Bearer ${await stack.emulator.issueUserToken(DEMO_USERS.megan.upn)}` } });
  assert.deepEqual(await asUser.json(), { status: 'ready' });
  const asAdmin = await fetch(`${stack.backend.url}/readyz`, { headers: { authorization: `Bearer ${await stack.emulator.issueUserToken(DEMO_USERS.admin.upn)}` } });
  const body = await asAdmin.json();
  assert.deepEqual(Object.keys(body.checks).sort(), ['database', 'microsoftGraphToken', 'schema']);
  assert.equal((await fetch(`${stack.backend.url}/healthz`)).status, 200);
});
