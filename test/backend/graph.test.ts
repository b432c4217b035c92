import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { User } from '@microsoft/microsoft-graph-types';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate, startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { loadConfig } from '../../backend/src/config';
import { fetchAuthorityMetadata } from '../../backend/src/graph/authority';
import { createGraphClient } from '../../backend/src/graph/client';
import { pages } from '../../backend/src/graph/paging';
import { createTokenSource } from '../../backend/src/graph/token';
import { createLogger } from '../../backend/src/log';

let emulator: EmulatorHandle;
before(async () => {
  emulator = await startEmulator({ seed: { users: 12, messagesPerUser: 1 }, timeScale: 0.01 });
});
after(async () => emulator?.close());

function backendConfig(overrides: Record<string, string> = {}, credential: Record<string, string> = { CLIENT_SECRET: emulator.apps.backend.clientSecret }) {
  return loadConfig({
    MONGODB_URI: 'mongodb://unused.invalid',
    TENANT_ID: emulator.tenantId,
    CLIENT_ID: emulator.apps.backend.clientId,
    ...credential,
    AUTHORITY_HOST: emulator.url,
    GRAPH_BASE_URL: emulator.graphBaseUrl,
    ...overrides,
  });
}

/** A certificate as an administrator makes one: the key stays with the backend, the certificate goes to the app registration. */
function certificate(opts: { days?: number; register?: boolean } = {}) {
  const { certPem, keyPem } = selfSignedCertificate('m365-archive backend', opts.days);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'backend-cert-')), 'key.pem');
  writeFileSync(keyFile, keyPem);
  if (opts.register ?? true) emulator.tenant.apps.get(emulator.apps.backend.clientId)!.certificates.push(certPem);
  const x509 = new X509Certificate(certPem);
  return { keyFile, sha256: x509.fingerprint256, sha1: x509.fingerprint };
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

async function graphFor(config = backendConfig()) {
  const metadata = await fetchAuthorityMetadata(config.authority, config.TENANT_ID);
  const tokens = createTokenSource(config, metadata, createLogger('silent'));
  return { tokens, graph: createGraphClient({ baseUrl: config.GRAPH_BASE_URL, tokens, networkRetryBaseMs: 20 }) };
}

test('msal-node gets an application token for Graph from the configured authority, over verified TLS', async () => {
  const { tokens } = await graphFor();
  const token = await tokens.graphToken();
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  assert.equal(claims.aud, 'https://graph.microsoft.com');
  assert.equal(claims.tid, emulator.tenantId);
  assert.ok(claims.roles.includes('Mail.ReadWrite'));
  assert.equal(claims.scp, undefined, 'an application token carries roles, not scopes');
});

test('the Graph token is reused while it is valid and renewed five minutes before it expires', async () => {
  const { tokens } = await graphFor();
  const start = Date.now();
  mock.timers.enable({ apis: ['Date'], now: start });
  try {
    const first = await tokens.graphToken();
    const expiresAt = claimsOf(first).exp * 1000;
    mock.timers.setTime(expiresAt - 6 * 60_000);
    assert.equal(await tokens.graphToken(), first, 'six minutes before its expiry: the same token');
    mock.timers.setTime(expiresAt - 4 * 60_000);
    const renewed = await tokens.graphToken();
    assert.notEqual(renewed, first, 'four minutes before its expiry: a new one');
    assert.ok(claimsOf(renewed).exp * 1000 > expiresAt, 'which expires later');
  } finally {
    mock.timers.reset();
  }
});

test('a wrong client secret fails with Entra ID\'s error, not a silent retry', async () => {
  const { tokens } = await graphFor(backendConfig({ CLIENT_SECRET: 'wrong-secret' }));
  await assert.rejects(tokens.graphToken(), /AADSTS7000215|invalid_client/);
});

test('a certificate credential gets a Graph token: SHA-256 thumbprint (PS256) or SHA-1 (RS256); Entra records certificate authentication', async () => {
  const cert = certificate();
  const thumbprints: Record<string, string>[] = [{ CLIENT_CERTIFICATE_THUMBPRINT_SHA256: cert.sha256 }, { CLIENT_CERTIFICATE_THUMBPRINT: cert.sha1 }];
  for (const thumbprint of thumbprints) {
    const { tokens } = await graphFor(backendConfig({}, { CLIENT_CERTIFICATE_KEY_FILE: cert.keyFile, ...thumbprint }));
    const claims = claimsOf(await tokens.graphToken());
    assert.equal(claims.appid, emulator.apps.backend.clientId);
    assert.equal(claims.appidacr, '2', Object.keys(thumbprint)[0]);
  }
});

test('a certificate the app registration does not hold, or one that has expired, is refused with AADSTS700027', async () => {
  const unknown = certificate({ register: false });
  const expired = certificate({ days: -1 });
  for (const cert of [unknown, expired]) {
    const { tokens } = await graphFor(backendConfig({}, { CLIENT_CERTIFICATE_KEY_FILE: cert.keyFile, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: cert.sha256 }));
    await assert.rejects(tokens.graphToken(), /AADSTS700027/);
  }
});

test('users are listed across pages by following @odata.nextLink', async () => {
  const { graph } = await graphFor();
  const seen: string[][] = [];
  for await (const page of pages<User>(graph, '/users?$select=id,userPrincipalName&$top=4')) seen.push(page.map((u) => u.userPrincipalName!));
  assert.ok(seen.length >= 3, `${seen.length} pages`);
  const all = seen.flat();
  assert.equal(all.length, emulator.tenant.listUsers().length);
  assert.equal(new Set(all).size, all.length, 'no user twice');
});

test('a storm of 429 with Retry-After is ridden out', async () => {
  const { graph } = await graphFor();
  emulator.faults.inject({ match: { pathIncludes: '/users' }, kind: '429', times: 4, retryAfterSeconds: 1 });
  emulator.stats.reset();
  const started = Date.now();
  const page = await graph.api('/users?$top=5').get();
  assert.equal(page.value.length, 5);
  assert.ok(Date.now() - started >= 3_000, 'waited for Retry-After between attempts');
  assert.equal(emulator.stats.requests({ pathIncludes: '/users' }), 5, 'four throttled attempts, then the answer');
});

test('503s and dropped connections are retried', async () => {
  const { graph } = await graphFor();
  emulator.faults.inject({ match: { pathIncludes: '/users' }, kind: 'drop', times: 2 });
  emulator.faults.inject({ match: { pathIncludes: '/users' }, kind: '503', times: 1 });
  const page = await graph.api('/users?$top=3').get();
  assert.equal(page.value.length, 3);
});
