import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderManifest } from '../../addin/scripts/build-manifest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const schemaDir = path.resolve(root, '../shared/office-addin-schemas');
const schema = path.join(schemaDir, 'OfficeAppManifestV1_1.xsd');

async function validate(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stderr } = await run('xmllint', ['--noout', '--schema', schema, file]);
    return { ok: true, output: stderr };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr ?? err) };
  }
}

async function tmpFile(name: string, content: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'manifest-')), name);
  await writeFile(file, content);
  return file;
}

const skip = existsSync(schema) ? false : `Microsoft's XSD schemas are not at ${schemaDir}`;

test('manifest.xml validates against the Office add-in XSD schemas', { skip }, async () => {
  const result = await validate(path.join(root, 'manifest.xml'));
  assert.equal(result.ok, true, result.output);
});

test('the validator rejects a manifest that lacks a required element', { skip }, async () => {
  const broken = (await readFile(path.join(root, 'manifest.xml'), 'utf8')).replace(/<DisplayName[^>]*\/>/, '');
  const result = await validate(await tmpFile('broken.xml', broken));
  assert.equal(result.ok, false);
  assert.match(result.output, /DisplayName|Description/);
});

test('manifest.xml declares single sign-on to the backend API and a task pane button', async () => {
  const xml = await readFile(path.join(root, 'manifest.xml'), 'utf8');
  assert.match(xml, /<WebApplicationInfo>\s*<Id>[0-9a-f-]{36}<\/Id>\s*<Resource>api:\/\/[^<]+<\/Resource>/);
  assert.match(xml, /xsi:type="MessageReadCommandSurface"/);
  assert.match(xml, /<Action xsi:type="ShowTaskpane">/);
});

test('a deployment manifest carries its own origin and client id and still validates', { skip }, async () => {
  const template = await readFile(path.join(root, 'manifest.xml'), 'utf8');
  const clientId = '11111111-2222-4333-8444-555555555555';
  const xml = renderManifest(template, { origin: 'https://archive.contoso.com/', clientId });
  assert.doesNotMatch(xml, /localhost/);
  assert.match(xml, /<AppDomain>https:\/\/archive\.contoso\.com<\/AppDomain>/);
  assert.match(xml, new RegExp(`<Resource>api://archive\\.contoso\\.com/${clientId}</Resource>`));
  const result = await validate(await tmpFile('deploy.xml', xml));
  assert.equal(result.ok, true, result.output);
});

test('a deployment manifest refuses a plain-http origin', () => {
  assert.throws(() => renderManifest('', { origin: 'http://archive.contoso.com', clientId: '11111111-2222-4333-8444-555555555555' }), /https/);
});
