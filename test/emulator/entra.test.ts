import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import { DEMO_USERS, selfSignedCertificate } from '../../emulator/src/index';
import type { EmulatorHandle } from '../../emulator/src/index';
import { backendClient, decodeJwt, emulator } from './helpers';

describe('Entra ID emulation', () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await emulator();
  });
  after(() => emu.close());

  it('publishes OpenID metadata and keys that verify the tokens it issues', async () => {
    const meta = await (await fetch(`${emu.authority}/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>;
    assert.equal(meta.issuer, `${emu.authority}/v2.0`);
    assert.equal(meta.token_endpoint, `${emu.authority}/oauth2/v2.0/token`);
    assert.equal(meta.jwks_uri, `${emu.authority}/discovery/v2.0/keys`);
    const common = await (await fetch(`${emu.url}/organizations/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>;
    assert.equal(common.issuer, `${emu.url}/{tenantid}/v2.0`);
    const token = await emu.issueUserToken(DEMO_USERS.admin.upn);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(meta.jwks_uri!)), {
      issuer: meta.issuer, audience: emu.apps.backend.clientId, algorithms: ['RS256'],
    });
    assert.ok(protectedHeader.kid);
    assert.equal(payload.scp, 'access_as_user');
    assert.deepEqual(payload.roles, ['Archive.Admin']);
    assert.equal(payload.ver, '2.0');
    assert.equal(payload.tid, emu.tenantId);
    assert.equal(payload.oid, DEMO_USERS.admin.id);
    assert.equal(payload.preferred_username, DEMO_USERS.admin.upn);
    assert.equal(payload.azp, emu.apps.spa.clientId);
  });

  it('gives msal-node an app-only Graph token whose roles are the consented application permissions', async () => {
    const cca = await backendClient(emu);
    const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    assert.ok(result?.accessToken);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.iss, `https://sts.windows.net/${emu.tenantId}/`);
    assert.equal(claims.appid, emu.apps.backend.clientId);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.ver, '1.0');
    assert.deepEqual([...(claims.roles as string[])].sort(), ['ChannelMessage.Read.All', 'Chat.Read.All', 'Group-Conversation.Read.All', 'Group.Read.All', 'Mail.ReadWrite', 'MailboxSettings.Read', 'User.Read.All']);
    assert.equal(claims.scp, undefined);
    const own = await cca.acquireTokenByClientCredential({ scopes: [`api://${emu.apps.backend.clientId}/.default`] });
    const ownClaims = decodeJwt(own!.accessToken);
    assert.equal(ownClaims.aud, emu.apps.backend.clientId);
    assert.equal(ownClaims.iss, `${emu.authority}/v2.0`);
  });

  it('rejects a wrong client secret with AADSTS7000215 in Entra error JSON', async () => {
    const res = await fetch(`${emu.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emu.apps.backend.clientId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' }),
    });
    assert.equal(res.status, 401);
    const body = await res.json() as Record<string, unknown>;
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(body.error_codes, [7000215]);
    assert.match(String(body.error_description), /^AADSTS7000215: /);
    assert.equal(body.correlation_id, 'corr-1');
    assert.ok(body.trace_id && body.timestamp);
    const cca = await backendClient(emu, 'wrong');
    await assert.rejects(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }), /AADSTS7000215/);
  });

  it('rejects unknown clients and client-credential scopes without /.default', async () => {
    const post = (form: Record<string, string>) => fetch(`${emu.authority}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) });
    const unknown = await (await post({ grant_type: 'client_credentials', client_id: '11111111-2222-3333-4444-555555555555', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' })).json() as Record<string, unknown>;
    assert.deepEqual(unknown.error_codes, [700016]);
    const noDefault = await post({ grant_type: 'client_credentials', client_id: emu.apps.backend.clientId, client_secret: emu.apps.backend.clientSecret, scope: 'https://graph.microsoft.com/Mail.Read' });
    assert.equal(noDefault.status, 400);
    assert.deepEqual((await noDefault.json() as Record<string, unknown>).error_codes, [1002012]);
  });

  it('runs the authorization code flow with PKCE for the SPA: sign-in page, redirect with code and state, redemption', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://localhost:3000/auth';
    const params = new URLSearchParams({
      client_id: emu.apps.spa.clientId, response_type: 'code', redirect_uri: redirectUri, state: 'xyz', nonce: 'n-1',
      scope: `${emu.apps.backend.apiScope} openid profile offline_access`, code_challenge: challenge, code_challenge_method: 'S256',
    });
    const page = await fetch(`${emu.authority}/oauth2/v2.0/authorize?${params}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /megan\.bowen@contoso\.example/);
    assert.doesNotMatch(html, /diego\.siciliani/, 'disabled users cannot sign in');
    assert.doesNotMatch(html, /info@contoso\.example/, 'unlicensed shared mailboxes cannot sign in');
    const link = new RegExp(`data-upn="${DEMO_USERS.admin.upn}" href="([^"]+)"`).exec(html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(link);
    const redirect = await fetch(link, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = new URL(redirect.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, redirectUri);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const code = location.searchParams.get('code')!;
    const redeem = (verifierValue: string, origin = 'http://localhost:3000') => fetch(`${emu.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { origin },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: emu.apps.spa.clientId, code, redirect_uri: redirectUri, code_verifier: verifierValue, scope: `${emu.apps.backend.apiScope} openid profile offline_access` }),
    });
    const wrong = await redeem('not-the-verifier');
    assert.deepEqual((await wrong.json() as Record<string, unknown>).error_codes, [501481]);
    const ok = await redeem(verifier);
    assert.equal(ok.status, 200);
    const tokens = await ok.json() as Record<string, string>;
    const access = decodeJwt(tokens.access_token!);
    assert.equal(access.aud, emu.apps.backend.clientId);
    assert.equal(access.scp, 'access_as_user');
    assert.deepEqual(access.roles, ['Archive.Admin']);
    assert.equal(decodeJwt(tokens.id_token!).nonce, 'n-1');
    assert.ok(tokens.refresh_token);
    const again = await redeem(verifier);
    assert.deepEqual((await again.json() as Record<string, unknown>).error_codes, [54005], 'a code is single-use');

    const refreshed = await fetch(`${emu.authority}/oauth2/v2.0/token`, {
      method: 'POST', headers: { origin: 'http://localhost:3000' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: emu.apps.spa.clientId, refresh_token: tokens.refresh_token!, scope: `${emu.apps.backend.apiScope} offline_access` }),
    });
    assert.equal(refreshed.status, 200);
    assert.equal(decodeJwt((await refreshed.json() as Record<string, string>).access_token!).oid, DEMO_USERS.admin.id);
  });

  it('refuses redirect URIs outside loopback and requires PKCE from the SPA', async () => {
    const base = { client_id: emu.apps.spa.clientId, response_type: 'code', scope: 'openid', state: 's' };
    const evil = await fetch(`${emu.authority}/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, redirect_uri: 'https://evil.example/cb' })}`);
    assert.equal(evil.status, 400);
    assert.match(await evil.text(), /AADSTS50011/);
    const noPkce = await fetch(`${emu.authority}/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, redirect_uri: 'http://127.0.0.1:5173/' })}`, { redirect: 'manual' });
    assert.equal(noPkce.status, 302);
    assert.match(noPkce.headers.get('location')!, /error=invalid_request.*AADSTS9002325/);
  });

  it('exchanges a user token for a delegated Graph token on behalf of the user (msal-node OBO)', async () => {
    const cca = await backendClient(emu);
    const userAssertion = await emu.issueUserToken(DEMO_USERS.megan.upn);
    const result = await cca.acquireTokenOnBehalfOf({ oboAssertion: userAssertion, scopes: ['https://graph.microsoft.com/.default'] });
    assert.ok(result);
    const claims = decodeJwt(result.accessToken);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal(claims.oid, DEMO_USERS.megan.id);
    assert.equal(claims.idtyp, 'user');
    assert.match(String(claims.scp), /Mail\.ReadWrite/);
    assert.equal(claims.roles, undefined);
    const graphToken = await emu.issueUserToken(DEMO_USERS.megan.upn, { audience: 'https://graph.microsoft.com' });
    await assert.rejects(cca.acquireTokenOnBehalfOf({ oboAssertion: graphToken, scopes: ['https://graph.microsoft.com/.default'] }), /AADSTS500131/);
  });

  it('issues v1.0 tokens for an API whose manifest asks for them (requestedAccessTokenVersion 1), and publishes their issuer', async () => {
    const app = emu.tenant.apps.get(emu.apps.backend.clientId)!;
    app.requestedAccessTokenVersion = 1;
    try {
      const cca = await backendClient(emu);
      const result = await cca.acquireTokenByClientCredential({ scopes: [`api://${emu.apps.backend.clientId}/.default`] });
      const claims = decodeJwt(result!.accessToken);
      assert.deepEqual([claims.ver, claims.iss, claims.aud, claims.appid], ['1.0', `https://sts.windows.net/${emu.tenantId}/`, `api://${emu.apps.backend.clientId}`, emu.apps.backend.clientId]);
      const user = decodeJwt(await emu.issueUserToken(DEMO_USERS.megan.upn));
      assert.deepEqual([user.ver, user.upn, user.preferred_username], ['1.0', DEMO_USERS.megan.upn, undefined]);
    } finally {
      app.requestedAccessTokenVersion = 2;
    }
    const v1 = await (await fetch(`${emu.authority}/.well-known/openid-configuration`)).json() as Record<string, string>;
    assert.equal(v1.issuer, `https://sts.windows.net/${emu.tenantId}/`);
    const keys = await (await fetch(v1.jwks_uri!)).json() as { keys: { kid: string }[] };
    assert.ok(keys.keys.length > 0);
  });

  describe('certificate credentials (client assertions)', () => {
    const tokenUrl = () => `${emu.authority}/oauth2/v2.0/token`;
    const cert = selfSignedCertificate('assertion tests');
    const thumbprint = (alg: 'sha1' | 'sha256', pem = cert.certPem) => createHash(alg).update(new X509Certificate(pem).raw).digest('base64url');
    before(() => emu.tenant.apps.get(emu.apps.backend.clientId)!.certificates.push(cert.certPem));

    /** An assertion as certificate-credentials documents it; `change` alters claims, header or key. */
    async function assertion(change: { claims?: Record<string, unknown>; header?: Record<string, unknown>; keyPem?: string } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const clientId = emu.apps.backend.clientId;
      return new SignJWT({ aud: tokenUrl(), iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, exp: now + 600, ...change.claims })
        .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': thumbprint('sha256'), ...change.header })
        .sign(createPrivateKey(change.keyPem ?? cert.keyPem));
    }
    async function redeem(clientAssertion: string) {
      const res = await fetch(tokenUrl(), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials', client_id: emu.apps.backend.clientId, scope: 'https://graph.microsoft.com/.default',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion,
        }),
      });
      return { status: res.status, body: await res.json() as Record<string, unknown> };
    }

    it('accepts an assertion signed by a registered certificate, named by SHA-256 (PS256) or SHA-1 (RS256) thumbprint', async () => {
      const sha256 = await redeem(await assertion());
      assert.equal(sha256.status, 200, JSON.stringify(sha256.body));
      assert.equal(decodeJwt(String(sha256.body.access_token)).appidacr, '2');
      const sha1 = await redeem(await assertion({ header: { alg: 'RS256', 'x5t#S256': undefined, x5t: thumbprint('sha1') } }));
      assert.equal(sha1.status, 200, JSON.stringify(sha1.body));
    });

    it('refuses forged, foreign, stale or misaddressed assertions with Entra\'s codes', async () => {
      const other = selfSignedCertificate('not registered');
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, Promise<string>, number][] = [
        ['signed by another key under the registered thumbprint', assertion({ keyPem: other.keyPem }), 700027],
        ['a certificate the app does not hold', assertion({ keyPem: other.keyPem, header: { 'x5t#S256': thumbprint('sha256', other.certPem) } }), 700027],
        ['expired', assertion({ claims: { nbf: now - 7200, exp: now - 3600 } }), 700024],
        ['issued by another client', assertion({ claims: { iss: emu.apps.spa.clientId, sub: emu.apps.spa.clientId } }), 700021],
        ['for another audience', assertion({ claims: { aud: 'https://login.microsoftonline.com/another/oauth2/v2.0/token' } }), 700023],
        ['not a JWT', Promise.resolve('not.a.jwt'), 50027],
      ];
      for (const [what, made, code] of cases) {
        const res = await redeem(await made);
        assert.deepEqual(res.body.error_codes, [code], what);
        assert.ok(res.status === 400 || res.status === 401, what);
      }
    });
  });
});
