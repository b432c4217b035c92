import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../backend/src/config';
import { selfSignedCertificate } from '../../emulator/src/index';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017',
  TENANT_ID: '7d4f3a2b-0c1e-4b5a-9f8e-3d2c1b0a9e8f',
  CLIENT_ID: '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d',
  CLIENT_SECRET: 's3cret-value',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('production defaults point at the Microsoft public cloud', () => {
  const config = loadConfig(valid);
  assert.equal(config.AUTHORITY_HOST, 'https://login.microsoftonline.com');
  assert.equal(config.GRAPH_BASE_URL, 'https://graph.microsoft.com');
  assert.equal(config.authority, `https://login.microsoftonline.com/${valid.TENANT_ID}`);
  assert.deepEqual(config.appIdUris, [`api://${valid.CLIENT_ID}`]);
  assert.deepEqual(config.credential, { kind: 'secret', secret: valid.CLIENT_SECRET });
});

test('the API accepts v1.0 audiences by each Application ID URI: api://{id}, the Teams form with the public host, and configured ones', () => {
  const config = loadConfig({ ...valid, PUBLIC_URL: 'https://archive.contoso.com', API_APP_ID_URIS: 'https://contoso.com/Archive' });
  assert.deepEqual(config.appIdUris, [`api://${valid.CLIENT_ID}`, `api://archive.contoso.com/${valid.CLIENT_ID}`, 'https://contoso.com/Archive']);
});

test('every missing variable is named in one error', () => {
  const found = problems({});
  assert.deepEqual(found.sort(), [
    'CLIENT_ID is required but not set',
    'CLIENT_SECRET is required but not set (or a certificate: CLIENT_CERTIFICATE_KEY_FILE with CLIENT_CERTIFICATE_THUMBPRINT_SHA256)',
    'MONGODB_URI is required but not set',
    'TENANT_ID is required but not set',
  ]);
});

test('invalid values are named with what is expected', () => {
  const found = problems({ ...valid, TENANT_ID: 'contoso', AUTHORITY_HOST: 'http://login.example', PORT: 'eighty' });
  assert.equal(found.length, 3);
  assert.ok(found.some((p) => p.startsWith('TENANT_ID') && p.includes('GUID')));
  assert.ok(found.some((p) => p.startsWith('AUTHORITY_HOST') && p.includes('https://')));
  assert.ok(found.some((p) => p.startsWith('PORT')));
});

test('the error message never echoes the client secret', () => {
  try {
    loadConfig({ ...valid, TENANT_ID: 'x' });
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /s3cret-value/);
  }
});

test('configurable hosts serve national clouds and the emulator alike', () => {
  const config = loadConfig({ ...valid, AUTHORITY_HOST: 'https://login.microsoftonline.us/', GRAPH_BASE_URL: 'https://graph.microsoft.us' });
  assert.equal(config.authority, `https://login.microsoftonline.us/${valid.TENANT_ID}`);
  assert.equal(config.GRAPH_BASE_URL, 'https://graph.microsoft.us');
});

const dir = mkdtempSync(join(tmpdir(), 'config-cert-'));
const cert = selfSignedCertificate('m365-archive backend');
const keyFile = join(dir, 'key.pem');
const certFile = join(dir, 'cert.pem');
writeFileSync(keyFile, cert.keyPem);
writeFileSync(certFile, cert.certPem);
const x509 = new X509Certificate(cert.certPem);
const sha256 = x509.fingerprint256;
const noSecret = { MONGODB_URI: valid.MONGODB_URI, TENANT_ID: valid.TENANT_ID, CLIENT_ID: valid.CLIENT_ID };

test('a certificate credential: the key file and the SHA-256 thumbprint (as the portal shows it, colons or not), with its chain as x5c', () => {
  const config = loadConfig({ ...noSecret, CLIENT_CERTIFICATE_KEY_FILE: keyFile, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: sha256, CLIENT_CERTIFICATE_CHAIN_FILE: certFile });
  assert.equal(config.credential.kind, 'certificate');
  assert.deepEqual(config.credential, { kind: 'certificate', privateKey: cert.keyPem, thumbprintSha256: sha256.replace(/:/g, '').toLowerCase(), x5c: cert.certPem });
  const sha1 = loadConfig({ ...noSecret, CLIENT_CERTIFICATE_KEY_FILE: keyFile, CLIENT_CERTIFICATE_THUMBPRINT: x509.fingerprint });
  assert.deepEqual(sha1.credential, { kind: 'certificate', privateKey: cert.keyPem, thumbprint: x509.fingerprint.replace(/:/g, '').toLowerCase() });
});

test('certificate settings are checked at start-up, each problem naming its variable', () => {
  assert.deepEqual(problems({ ...noSecret, CLIENT_CERTIFICATE_KEY_FILE: join(dir, 'missing.pem') }), [
    'CLIENT_CERTIFICATE_KEY_FILE cannot be read: ENOENT',
    'CLIENT_CERTIFICATE_THUMBPRINT_SHA256 is required with a certificate credential (or CLIENT_CERTIFICATE_THUMBPRINT, the SHA-1 one)',
  ]);
  assert.deepEqual(problems({ ...noSecret, CLIENT_CERTIFICATE_KEY_FILE: certFile, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: sha256 }), [
    'CLIENT_CERTIFICATE_KEY_FILE is not a PEM private key (unencrypted PKCS#8 or PKCS#1)',
  ]);
  assert.deepEqual(problems({ ...noSecret, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: 'abc' }), ['CLIENT_CERTIFICATE_THUMBPRINT_SHA256 must be 64 hexadecimal digits']);
  assert.deepEqual(problems({ ...noSecret, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: sha256 }), [
    'CLIENT_CERTIFICATE_KEY_FILE is required with a certificate credential (the PEM private key)',
  ]);
  const other = new X509Certificate(selfSignedCertificate('another').certPem).fingerprint256;
  assert.match(problems({ ...noSecret, CLIENT_CERTIFICATE_KEY_FILE: keyFile, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: other, CLIENT_CERTIFICATE_CHAIN_FILE: certFile })[0]!,
    /^CLIENT_CERTIFICATE_THUMBPRINT_SHA256 does not match the first certificate of CLIENT_CERTIFICATE_CHAIN_FILE/);
  assert.deepEqual(problems({ ...valid, CLIENT_CERTIFICATE_KEY_FILE: keyFile, CLIENT_CERTIFICATE_THUMBPRINT_SHA256: sha256 }), [
    'CLIENT_SECRET and CLIENT_CERTIFICATE_KEY_FILE are both set: configure one credential (the certificate is preferred)',
  ]);
});
