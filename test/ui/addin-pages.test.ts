import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import helmet from 'helmet';
import { addinPages, addinSettings } from '../../backend/src/http/static';
import { queryHelp } from '../../backend/src/search/query-help';

const auth = {
  issuer: 'https://login.example.test/7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f/v2.0',
  v1Issuer: 'https://sts.example.test/7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f/',
  clientId: '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d',
  appIdUris: ['api://5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d'],
  jwksUri: 'https://login.example.test/keys',
  tenantId: '7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f',
  adminUsers: [],
};

let dist: string;
let server: Server;
let base: string;

async function serve(distDir: string): Promise<{ server: Server; base: string }> {
  const app = express();
  app.use(helmet());
  app.use('/addin', addinPages(addinSettings(auth, undefined), distDir));
  const s = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => s.once('listening', resolve));
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

describe('add-in pages served by the backend', () => {
  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'addin-dist-'));
    await mkdir(join(dist, 'static'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>Search my archive</title>');
    await writeFile(join(dist, 'static', 'index-abc123.js'), 'export {};');
    ({ server, base } = await serve(dist));
  });
  after(async () => {
    server?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('derives public settings from what the API trusts: authority, client id, scope', () => {
    assert.deepEqual(addinSettings(auth, undefined), {
      authority: 'https://login.example.test/7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f',
      clientId: auth.clientId,
      apiScope: `api://${auth.clientId}/access_as_user`,
    });
    assert.equal(addinSettings(auth, '8d2f3e4a-1b5c-4d6e-9f70-0a1b2c3d4e5f').clientId, '8d2f3e4a-1b5c-4d6e-9f70-0a1b2c3d4e5f');
  });

  it('serves the page with a CSP of itself and the authority, framable by Office only', async () => {
    const res = await fetch(`${base}/addin/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self' https:\/\/login\.example\.test /);
    assert.match(csp, /frame-ancestors 'self' https:\/\/outlook\.office\.com/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
    assert.equal(res.headers.get('x-frame-options'), null);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'unsafe-none');
  });

  it('serves config.json and the query help without a token', async () => {
    assert.deepEqual(await (await fetch(`${base}/addin/config.json`)).json(), addinSettings(auth, undefined));
    assert.deepEqual(await (await fetch(`${base}/addin/query-help.json`)).json(), queryHelp);
  });

  it('caches hashed files for good and redirects /addin to /addin/', async () => {
    const js = await fetch(`${base}/addin/static/index-abc123.js`);
    assert.match(js.headers.get('cache-control')!, /immutable/);
    const redirect = await fetch(`${base}/addin?x=1`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/addin/?x=1');
  });

  it('says how to build the pages when they are missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'addin-empty-'));
    const other = await serve(empty);
    try {
      const res = await fetch(`${other.base}/addin/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build:addin/);
    } finally {
      other.server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
