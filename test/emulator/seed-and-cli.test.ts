import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { DEMO_USERS } from '../../emulator/src/index';
import { ensureCertificates } from '../../emulator/src/tls';
import { appToken, emulator, graphFetch } from './helpers';

describe('emulator seeds, certificates and command line', () => {
  it('generates a deterministic tenant whose messages are distinct copies of real mail', async (t) => {
    const seed = { users: 3, messagesPerUser: 60, foldersPerUser: 4 };
    const emu = await emulator({ seed });
    t.after(() => emu.close());
    const users = emu.tenant.listUsers();
    assert.equal(users.length, 3);
    const folders = emu.tenant.listFolders(users[0]!.id!).filter((f) => f.containerClass === 'IPF.Note');
    const total = folders.reduce((n, f) => n + (f.totalItemCount ?? 0), 0);
    assert.equal(total, 60);
    assert.ok(folders.some((f) => f.path === 'Inbox/Folder 01' && f.totalItemCount! > 0));
    const inbox = await emu.tenant.listMessages(users[1]!.id!, 'inbox');
    assert.equal(new Set(inbox.map((m) => m.internetMessageId)).size, inbox.length);
    const token = await appToken(emu);
    const mime = Buffer.from(await (await graphFetch(emu, token, `/users/${users[1]!.id}/messages/${inbox[0]!.id}/$value`)).arrayBuffer()).toString('latin1');
    assert.ok(mime.split(/\r?\n/).includes(`Message-ID: ${inbox[0]!.internetMessageId}`));
    assert.equal(mime.match(/^message-id:/gim)?.length, 1, 'the original Message-ID is replaced, not duplicated');

    const again = await emulator({ seed });
    t.after(() => again.close());
    assert.deepEqual((await again.tenant.listMessages(users[1]!.id!, 'inbox')).map((m) => m.id), inbox.map((m) => m.id));
  });

  it('reuses a valid certificate authority instead of minting a new one', async () => {
    const first = await ensureCertificates();
    const before = readFileSync(first.caCertPath);
    const second = await ensureCertificates();
    assert.equal(second.caCertPath, first.caCertPath);
    assert.ok(readFileSync(second.caCertPath).equals(before));
  });

  it('runs from the command line, prints one JSON line, seeds generated mail without the corpus and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/main.ts', '--port', '0', '--seed', 'demo', '--time-scale', '0.01'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EMULATOR_CORPUS_DIR: '/nonexistent/corpus' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(line) as { url: string; tenantId: string; authority: string; apps: { backend: { clientId: string; clientSecret: string } } };
    assert.match(info.url, /^https:\/\/localhost:\d+$/);
    const meta = await fetch(`${info.authority}/v2.0/.well-known/openid-configuration`);
    assert.equal(meta.status, 200);
    assert.match(stderr, /corpus not found/);
    const { access_token: token } = await (await fetch(`${info.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: info.apps.backend.clientId, client_secret: info.apps.backend.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    })).json() as { access_token: string };
    const inbox = await (await fetch(`${info.url}/v1.0/users/${DEMO_USERS.megan.upn}/mailFolders/inbox`, { headers: { authorization: `Bearer ${token}` } })).json() as { totalItemCount: number };
    assert.ok(inbox.totalItemCount > 0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
