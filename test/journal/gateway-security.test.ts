// The gateway's SMTP policy, against real SMTP clients (nodemailer and a raw socket): STARTTLS
// and AUTH when configured, recipients, size, hosts, connection and rate limits, and the
// durability promise (no 250 before the report is in the database).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../backend/src/log';
import { HostAllowList } from '../../backend/src/journal/gateway-limits';
import { startJournalGateway, type GatewayOptions, type RunningGateway } from '../../backend/src/journal/gateway';
import { hashSecret } from '../../backend/src/journal/secrets';
import { openStore } from '../../backend/src/store';
import { createJournalMailbox } from '../../backend/src/store/journal';
import { getSpool } from '../../backend/src/store/journal-spool';
import { loadConfig, type ConfigError } from '../../backend/src/config';
import { testStore, type TestStore } from '../helpers/db';
import { freePort } from '../helpers/process';
import { clientCertificate, gatewayCertificate, plainMail, sha256, smtpFailure, smtpSend } from './helpers';

const A = 'journal-a@archive.example';
const B = 'journal-b@archive.example';
const SECRET_A = 'secret-of-mailbox-a';
const log = createLogger('silent');

let store: TestStore;
let tls: { key: Buffer; cert: Buffer };
const gateways: RunningGateway[] = [];

async function gateway(overrides: Partial<GatewayOptions> = {}, on = store): Promise<number> {
  const port = await freePort();
  const g = await startJournalGateway({ store: on, log }, {
    port, host: '127.0.0.1', tls: null, requireTls: false, auth: 'off', maxBytes: 1024 * 1024,
    maxConnections: 100, maxConnectionsPerHost: 20, ratePerMinute: 0, backlogLimit: 100, allowedHosts: ['127.0.0.1'], clientNames: [], clientCa: null,
    insecureAcceptAny: false, ...overrides,
  });
  gateways.push(g);
  return port;
}

before(async () => {
  store = await testStore();
  const cert = await gatewayCertificate();
  tls = { cert: readFileSync(cert.SMTP_TLS_CERT), key: readFileSync(cert.SMTP_TLS_KEY) };
  await createJournalMailbox(store.conn, { address: A, description: '', secretHash: await hashSecret(SECRET_A) });
  await createJournalMailbox(store.conn, { address: B, description: '', secretHash: await hashSecret('secret-of-b') });
});
after(async () => {
  for (const g of gateways) await g.close();
  await store?.drop();
});

describe('TLS and AUTH are enforced when configured', () => {
  test('without STARTTLS the gateway refuses the message with 530; with it, 250', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'optional' });
    const refused = await smtpFailure(smtpSend({ port, tls: 'none' }, A, plainMail('clear text')));
    assert.equal(refused.code, 530);
    assert.match(await smtpSend({ port, tls: 'required' }, A, plainMail('over TLS')), /^250 /);
  });

  test('with AUTH required: none 530, a wrong secret 535, the mailbox\'s secret 250', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'required' });
    assert.equal((await smtpFailure(smtpSend({ port, tls: 'required' }, A, plainMail('anonymous')))).code, 530);
    assert.equal((await smtpFailure(smtpSend({ port, tls: 'required', auth: { user: A, pass: 'guess' } }, A, plainMail('wrong')))).code, 535);
    assert.match(await smtpSend({ port, tls: 'required', auth: { user: A, pass: SECRET_A } }, A, plainMail('right')), /^250 /);
  });

  test('a mailbox\'s secret delivers only to that mailbox', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'required' });
    const other = await smtpFailure(smtpSend({ port, tls: 'required', auth: { user: A, pass: SECRET_A } }, B, plainMail('to b')));
    assert.equal(other.code, 550);
  });

  test('AUTH is neither advertised nor taken before STARTTLS, and the configuration refuses AUTH or TLS requirements without a certificate', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'required' });
    const replies = await dialogue(port, ['EHLO client.example', `AUTH PLAIN ${Buffer.from(`\0${A}\0${SECRET_A}`).toString('base64')}`]);
    assert.match(replies[1]!, /STARTTLS/);
    assert.doesNotMatch(replies[1]!, /AUTH/, 'AUTH advertised before STARTTLS');
    assert.match(replies[2]!, /^5\d\d /);
    const base = { MONGODB_URI: 'mongodb://x', TENANT_ID: '7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f', CLIENT_ID: '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d', CLIENT_SECRET: 's' };
    assert.throws(() => loadConfig({ ...base, SMTP_PORT: '2525', SMTP_AUTH: 'required' }), (e: ConfigError) => e.problems.some((p) => p.startsWith('SMTP_AUTH ')));
    assert.throws(() => loadConfig({ ...base, SMTP_TLS_CERT: '/x.pem' }), (e: ConfigError) => e.problems.some((p) => p.startsWith('SMTP_TLS_KEY ')));
    assert.equal(loadConfig(base).SMTP_PORT, 0, 'the gateway is off by default');
  });
});

describe('forged reports are refused by default', () => {
  const base = { MONGODB_URI: 'mongodb://x', TENANT_ID: '7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f', CLIENT_ID: '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d', CLIENT_SECRET: 's' };

  test('a gateway that would take reports from anyone does not start, unless the lab switch says so', async () => {
    assert.throws(() => loadConfig({ ...base, SMTP_PORT: '2525' }), (e: ConfigError) => e.problems.some((p) => p.startsWith('SMTP_PORT ') && /anyone/.test(p)));
    assert.equal(loadConfig({ ...base, SMTP_PORT: '2525', SMTP_ALLOWED_HOSTS: '40.92.0.0/15' }).SMTP_PORT, 2525);
    assert.equal(loadConfig({ ...base, SMTP_PORT: '2525', SMTP_INSECURE_ACCEPT_ANY: 'true' }).SMTP_INSECURE_ACCEPT_ANY, true);
    await assert.rejects(gateway({ allowedHosts: [] }), /anyone/);
    const lab = await gateway({ allowedHosts: [], insecureAcceptAny: true });
    assert.match(await smtpSend({ port: lab, tls: 'none' }, A, plainMail('lab')), /^250 /);
  });

  test('with client certificate names configured, only a trusted certificate of such a name delivers', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'off', allowedHosts: [], clientNames: ['journal-sender.example'] });
    const forged = plainMail('forged', A);
    const none = await smtpFailure(smtpSend({ port, tls: 'required' }, A, forged));
    assert.equal(none.code, 550, 'no client certificate');
    const otherName = await smtpFailure(smtpSend({ port, tls: 'required', clientCert: await clientCertificate('forger.example') }, A, forged));
    assert.equal(otherName.code, 550, 'a trusted certificate of another name');
    const selfSigned = await smtpFailure(smtpSend({ port, tls: 'required', clientCert: await clientCertificate('journal-sender.example', { selfSigned: true }) }, A, forged));
    assert.equal(selfSigned.code, 550, 'the right name, but signed by nobody trusted');
    assert.equal(await store.conn.collection('journal_spool').countDocuments({ sha256: sha256(forged) }), 0, 'nothing forged was spooled');
    const real = plainMail('from the journaling server', A);
    assert.match(await smtpSend({ port, tls: 'required', clientCert: await clientCertificate('journal-sender.example') }, A, real), /^250 /);
  });

  test('hosts, certificates and AUTH add up: each configured check must pass', async () => {
    const port = await gateway({ tls, requireTls: true, auth: 'required', allowedHosts: ['127.0.0.1'], clientNames: ['journal-sender.example'] });
    const cert = await clientCertificate('journal-sender.example');
    assert.equal((await smtpFailure(smtpSend({ port, tls: 'required', clientCert: cert }, A, plainMail('no auth')))).code, 530);
    assert.equal((await smtpFailure(smtpSend({ port, tls: 'required', auth: { user: A, pass: SECRET_A } }, A, plainMail('no cert')))).code, 550);
    assert.match(await smtpSend({ port, tls: 'required', auth: { user: A, pass: SECRET_A }, clientCert: cert }, A, plainMail('both')), /^250 /);
  });
});

/** Greeting and one reply per command, over a plain socket. */
async function dialogue(port: number, commands: string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const replies: string[] = [];
  let buffer = '';
  let waiting: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1');
    // A reply ends with a line whose code is followed by a space.
    const m = /(^|\r\n)\d{3} [^\r\n]*\r\n$/.exec(buffer);
    if (m) {
      replies.push(buffer);
      buffer = '';
      waiting?.();
    }
  });
  const next = () => new Promise<void>((resolve) => (waiting = resolve));
  await next();
  for (const command of commands) {
    const reply = next();
    socket.write(`${command}\r\n`);
    await reply;
  }
  socket.destroy();
  return replies;
}

describe('what the gateway accepts', () => {
  test('an unknown recipient is refused with 550 5.1.1', async () => {
    const port = await gateway();
    const refused = await smtpFailure(smtpSend({ port, tls: 'none' }, 'nobody@archive.example', plainMail('lost')));
    assert.equal(refused.code, 550);
    assert.match(refused.response, /^550 5\.1\.1 No such journal mailbox/);
  });

  test('a message over the size limit is refused with 552 and nothing is stored', async () => {
    const port = await gateway({ maxBytes: 4096 });
    const big = Buffer.concat([plainMail('big'), Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(100))]);
    const refused = await smtpFailure(smtpSend({ port, tls: 'none' }, A, big));
    assert.equal(refused.code, 552);
    assert.equal(await store.conn.collection('journal_spool').countDocuments({ sha256: sha256(big) }), 0);
  });

  test('hosts outside SMTP_ALLOWED_HOSTS are refused at connect (554)', async () => {
    const port = await gateway({ allowedHosts: ['10.0.0.0/8', 'mail.example.com'] });
    const refused = await smtpFailure(smtpSend({ port, tls: 'none' }, A, plainMail('from loopback')));
    assert.equal(refused.code, 554);
    const allowed = await gateway({ allowedHosts: ['192.0.2.0/24', '127.0.0.1'] });
    assert.match(await smtpSend({ port: allowed, tls: 'none' }, A, plainMail('allowed')), /^250 /);
  });

  test('host names in the allow list match only forward-confirmed reverse names', async () => {
    const list = new HostAllowList(['localhost', '*.outbound.protection.outlook.com']);
    assert.equal(await list.allows('127.0.0.1', 'localhost'), true);
    assert.equal(await list.allows('::ffff:127.0.0.1', 'localhost'), true);
    assert.equal(await list.allows('127.0.0.1', 'mail.outbound.protection.outlook.com'), false, 'the name does not resolve back to the client');
    assert.equal(await list.allows('127.0.0.1', undefined), false);
  });

  test('connections per host and messages per minute are limited (421, 451)', async () => {
    const port = await gateway({ maxConnectionsPerHost: 1 });
    const held = connect(port, '127.0.0.1');
    await new Promise((resolve) => held.once('data', resolve));
    assert.equal((await smtpFailure(smtpSend({ port, tls: 'none' }, A, plainMail('second connection')))).code, 421);
    held.destroy();

    const limited = await gateway({ ratePerMinute: 2 });
    await smtpSend({ port: limited, tls: 'none' }, A, plainMail('one'));
    await smtpSend({ port: limited, tls: 'none' }, A, plainMail('two'));
    assert.equal((await smtpFailure(smtpSend({ port: limited, tls: 'none' }, A, plainMail('three')))).code, 451);
  });
});

describe('durability', () => {
  test('the 250 names spool documents that hold the report byte for byte', async () => {
    const port = await gateway();
    const mail = plainMail('durable');
    const reply = await smtpSend({ port, tls: 'none' }, A, mail);
    const id = /Spooled as (\S+)/.exec(reply)?.[1];
    const spooled = await getSpool(store.conn, id!);
    assert.ok(spooled?.raw?.equals(mail));
    assert.equal(spooled?.mailbox, A);
    assert.equal(spooled?.smtp.remoteAddress.endsWith('127.0.0.1'), true);
  });

  test('a report larger than 8 MB is spooled through the blob store', async () => {
    const port = await gateway({ maxBytes: 32 * 1024 * 1024 });
    const line = `${'y'.repeat(998)}\r\n`;
    const mail = Buffer.concat([plainMail('large'), Buffer.from(line.repeat(Math.ceil((9 * 1024 * 1024) / line.length)))]);
    const id = /Spooled as (\S+)/.exec(await smtpSend({ port, tls: 'none' }, A, mail))?.[1];
    const spooled = await getSpool(store.conn, id!);
    assert.equal(spooled?.raw, null);
    assert.equal(spooled?.size, mail.length);
    assert.ok(await store.blobs.verify(sha256(mail)));
  });

  test('when the database cannot take the report, the sender gets 451 and tries again later', async () => {
    const broken = await openStore({ uri: process.env.MONGODB_URI!, dbName: store.dbName });
    const port = await gateway({}, { ...broken, dbName: store.dbName, drop: async () => undefined });
    await broken.close();
    const refused = await smtpFailure(smtpSend({ port, tls: 'none' }, A, plainMail('no database')));
    assert.ok(refused.code === 451, `expected 451, got ${refused.code} ${refused.response}`);
  });
});
