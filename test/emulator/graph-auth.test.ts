import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BACKEND_APP_ROLES, DEMO_USERS } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { appToken, emulator, graphFetch } from './helpers';

interface GraphErrorBody { error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } } }

describe('Graph token validation and permissions', () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  async function expectError(res: Response, status: number, code: string): Promise<GraphErrorBody> {
    assert.equal(res.status, status);
    const body = await res.json() as GraphErrorBody;
    assert.equal(body.error.code, code);
    assert.ok(body.error.message);
    assert.ok(body.error.innerError['request-id'] && body.error.innerError.date);
    return body;
  }

  it('rejects missing, malformed, foreign-audience and expired tokens with 401 InvalidAuthenticationToken', async () => {
    const path = `/users/${DEMO_USERS.megan.id}/mailFolders`;
    const none = await fetch(`${emu.graphBaseUrl}/v1.0${path}`);
    await expectError(none, 401, 'InvalidAuthenticationToken');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
    await expectError(await graphFetch(emu, 'not-a-jwt', path), 401, 'InvalidAuthenticationToken');
    const apiToken = await emu.issueUserToken(DEMO_USERS.megan.upn);
    const wrongAud = await expectError(await graphFetch(emu, apiToken, path), 401, 'InvalidAuthenticationToken');
    assert.match(wrongAud.error.message, /audience/i);
    const expired = await emu.issueUserToken(DEMO_USERS.megan.upn, { audience: 'https://graph.microsoft.com', expiresInSeconds: -3600 });
    const exp = await expectError(await graphFetch(emu, expired, `/me/mailFolders`), 401, 'InvalidAuthenticationToken');
    assert.match(exp.error.message, /expired/);
    const valid = await appToken(emu);
    const tampered = `${valid.slice(0, -4)}AAAA`;
    await expectError(await graphFetch(emu, tampered, path), 401, 'InvalidAuthenticationToken');
    const res = await graphFetch(emu, valid, path, { headers: { 'client-request-id': 'my-id' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('client-request-id'), 'my-id');
  });

  it('refuses a token it accepted before once the token has expired (the signature is checked once, the lifetime every time)', async () => {
    // Valid for one to two seconds more (whole seconds): its expiry is just within the five minutes of clock skew Graph allows.
    const token = await emu.issueUserToken(DEMO_USERS.megan.upn, { audience: 'https://graph.microsoft.com', expiresInSeconds: -298 });
    assert.equal((await graphFetch(emu, token, '/me/mailFolders')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    const refused = await expectError(await graphFetch(emu, token, '/me/mailFolders'), 401, 'InvalidAuthenticationToken');
    assert.match(refused.error.message, /expired/);
  });

  it('denies app tokens without the needed application permission (Authorization_RequestDenied / ErrorAccessDenied)', async () => {
    emu.tenant.grantAppPermissions(emu.apps.backend.clientId, ['MailboxSettings.Read']);
    try {
      const token = await appToken(emu);
      await expectError(await graphFetch(emu, token, '/users'), 403, 'Authorization_RequestDenied');
      await expectError(await graphFetch(emu, token, `/users/${DEMO_USERS.megan.id}/mailFolders/inbox/messages/delta`), 403, 'ErrorAccessDenied');
      assert.equal((await graphFetch(emu, token, `/users/${DEMO_USERS.megan.id}/mailboxSettings`)).status, 200);
    } finally {
      emu.tenant.grantAppPermissions(emu.apps.backend.clientId, BACKEND_APP_ROLES);
    }
  });

  it('lets a delegated token open only the signed-in user mailbox, also through /me', async () => {
    const token = await emu.issueUserToken(DEMO_USERS.megan.upn, { audience: 'https://graph.microsoft.com', scopes: ['User.Read', 'Mail.Read'] });
    const me = await graphFetch(emu, token, '/me');
    assert.equal(me.status, 200);
    assert.equal((await me.json() as { id: string }).id, DEMO_USERS.megan.id);
    assert.equal((await graphFetch(emu, token, '/me/mailFolders/inbox/messages?$top=1')).status, 200);
    await expectError(await graphFetch(emu, token, `/users/${DEMO_USERS.alex.id}/mailFolders`), 403, 'ErrorAccessDenied');
    await expectError(await graphFetch(emu, token, '/users'), 403, 'Authorization_RequestDenied');
    const readOnly = await graphFetch(emu, token, '/me/mailFolders/inbox/messages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('Subject: x\r\n\r\ny').toString('base64') });
    await expectError(readOnly, 403, 'ErrorAccessDenied');
    const app = await appToken(emu);
    await expectError(await graphFetch(emu, app, '/me'), 400, 'BadRequest');
  });
});
