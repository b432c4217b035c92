import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../backend/src/config';

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
  assert.deepEqual(config.apiAudiences, [valid.CLIENT_ID, `api://${valid.CLIENT_ID}`]);
});

test('every missing variable is named in one error', () => {
  const found = problems({});
  assert.deepEqual(found.sort(), [
    'CLIENT_ID is required but not set',
    'CLIENT_SECRET is required but not set',
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
