import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { DEMO } from '../../emulator/src/index';
import { buildTeamsPackage } from '../../teams-app/scripts/package';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TEAMS_APP = join(ROOT, 'teams-app');
const VALIDATE = join(ROOT, 'node_modules', '.bin', 'office-addin-manifest');

async function validate(file: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(VALIDATE, ['validate', file], { cwd: ROOT });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The entries of a zip, read through its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const packed = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + packed);
    files.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

test('teams-app/manifest.json validates offline with office-addin-manifest', async () => {
  const result = await validate(join(TEAMS_APP, 'manifest.json'));
  assert.equal(result.ok, true, result.output);
  const manifest = JSON.parse(await readFile(join(TEAMS_APP, 'manifest.json'), 'utf8'));
  assert.ok(Number(manifest.manifestVersion) >= 1.17, manifest.manifestVersion);
  assert.deepEqual(manifest.webApplicationInfo, { id: DEMO.backend.clientId, resource: `api://localhost:3000/${DEMO.backend.clientId}` });
  assert.equal(manifest.staticTabs[0].scopes[0], 'personal');
  assert.deepEqual(manifest.configurableTabs[0].scopes, ['team']);
});

test('the validator rejects a manifest that breaks the schema', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'teams-manifest-'));
  const broken = JSON.parse(await readFile(join(TEAMS_APP, 'manifest.json'), 'utf8'));
  broken.webApplicationInfo.id = 'not-a-guid';
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(broken));
  for (const icon of ['color.png', 'outline.png']) await copyFile(join(TEAMS_APP, icon), join(dir, icon));
  const result = await validate(join(dir, 'manifest.json'));
  assert.equal(result.ok, false, 'a bad GUID must fail');
  assert.match(result.output, /webApplicationInfo|guid|pattern/i);
});

test('the icons are real PNGs of the sizes Teams requires', async () => {
  assert.deepEqual(pngSize(await readFile(join(TEAMS_APP, 'color.png'))), { width: 192, height: 192 });
  assert.deepEqual(pngSize(await readFile(join(TEAMS_APP, 'outline.png'))), { width: 32, height: 32 });
});

test('the app package carries the deployment’s URLs, SSO resource and client id', async () => {
  const out = await mkdtemp(join(tmpdir(), 'teams-package-'));
  const clientId = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
  const zip = await buildTeamsPackage({ origin: 'https://archive.fabrikam.com', clientId }, out);
  const files = unzip(await readFile(zip));
  assert.deepEqual([...files.keys()].sort(), ['color.png', 'manifest.json', 'outline.png']);
  const text = files.get('manifest.json')!.toString('utf8');
  assert.doesNotMatch(text, /localhost|5b1e2c3d/, 'no demo value left');
  const manifest = JSON.parse(text);
  assert.equal(manifest.staticTabs[0].contentUrl, 'https://archive.fabrikam.com/admin-tab/?host=teams&theme={theme}');
  assert.equal(manifest.configurableTabs[0].configurationUrl, 'https://archive.fabrikam.com/admin-tab/config.html?host=teams&theme={theme}');
  assert.deepEqual(manifest.webApplicationInfo, { id: clientId, resource: `api://archive.fabrikam.com/${clientId}` });
  assert.deepEqual(manifest.validDomains, ['archive.fabrikam.com']);
  assert.ok(files.get('color.png')!.equals(await readFile(join(TEAMS_APP, 'color.png'))));
});

test('packaging refuses a plain-http origin or a client id that is not a GUID', async () => {
  const out = await mkdtemp(join(tmpdir(), 'teams-package-'));
  await assert.rejects(buildTeamsPackage({ origin: 'http://archive.fabrikam.com', clientId: DEMO.backend.clientId }, out), /https/);
  await assert.rejects(buildTeamsPackage({ origin: 'https://archive.fabrikam.com', clientId: 'archive' }, out), /GUID/);
});

test('npm run package:teams builds the package from PUBLIC_URL and CLIENT_ID', async () => {
  const { stdout } = await run('npm', ['run', '-s', 'package:teams'], {
    cwd: ROOT,
    env: { ...process.env, PUBLIC_URL: 'https://archive.fabrikam.com', CLIENT_ID: DEMO.backend.clientId },
  });
  assert.match(stdout, /wrote .*dist\/teams\/m365-archive-teams\.zip/);
  await assert.rejects(run('npm', ['run', '-s', 'package:teams'], { cwd: ROOT, env: { ...process.env, PUBLIC_URL: '', CLIENT_ID: '' } }), /PUBLIC_URL/);
});
