import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import nodemailer from 'nodemailer';
import type { Store } from '../../backend/src/store';
import { getItem } from '../../backend/src/store/items';
import { ensureCertificates } from '../../emulator/src/tls';
import { freePort } from '../helpers/process';
import { startStack, waitFor, type Stack } from '../helpers/stack';

export const ADMIN = 'adele.vance@contoso.example';
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface JournalStack extends Stack {
  smtpPort: number;
}

/** The emulator's localhost certificate (its CA is trusted through NODE_EXTRA_CA_CERTS): the demo's gateway certificate. */
export async function gatewayCertificate(): Promise<{ SMTP_TLS_CERT: string; SMTP_TLS_KEY: string }> {
  const certs = await ensureCertificates();
  return { SMTP_TLS_CERT: certs.certPath, SMTP_TLS_KEY: certs.keyPath };
}

/**
 * A TLS client certificate for `name`, as a sending server presents it: issued by the emulator's
 * CA (trusted here like a public CA), or signed by its own key when `selfSigned`.
 */
export async function clientCertificate(name: string, opts: { selfSigned?: boolean } = {}): Promise<{ key: string; cert: string }> {
  const paths = await ensureCertificates();
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const own = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const caCert = forge.pki.certificateFromPem(readFileSync(paths.caCertPath, 'utf8'));
  const issuerKey = opts.selfSigned ? own : (forge.pki.privateKeyFromPem(readFileSync(paths.caKeyPath, 'utf8')) as forge.pki.rsa.PrivateKey);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: name }]);
  cert.setIssuer(opts.selfSigned ? [{ name: 'commonName', value: name }] : caCert.subject.attributes);
  cert.setExtensions([{ name: 'extKeyUsage', clientAuth: true, serverAuth: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: name }] }]);
  cert.sign(issuerKey, forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

/** The standard stack with the SMTP gateway on a free port. */
export async function startJournalStack(env: Record<string, string> = {}): Promise<JournalStack> {
  const smtpPort = await freePort();
  const stack = await startStack({ dbName: `test_journal_${randomUUID().slice(0, 8)}`, env: { SMTP_PORT: String(smtpPort), SMTP_ALLOWED_HOSTS: '127.0.0.1', ...env } });
  return { ...stack, smtpPort };
}

/**
 * A gateway mailbox and its profile; returns the mailbox's address (`name` with the random part
 * the gateway adds) and its secret (shown once).
 */
export async function createJournal(stack: JournalStack, name: string, profile: Record<string, unknown> = {}): Promise<{ address: string; secret: string; profileId: string }> {
  const mailbox = await stack.api(ADMIN, 'POST', '/admin/journal/mailboxes', { address: name, description: `test ${name}` });
  if (mailbox.status !== 201) throw new Error(`creating mailbox ${name}: ${mailbox.status} ${JSON.stringify(mailbox.body)}`);
  const address: string = mailbox.body.address;
  const created = await stack.api(ADMIN, 'POST', '/admin/journal/profiles', { name: `Journal ${name}`, mailbox: address, ...profile });
  if (created.status !== 201) throw new Error(`creating profile for ${address}: ${created.status} ${JSON.stringify(created.body)}`);
  return { address, secret: mailbox.body.secret, profileId: created.body.id };
}

export async function syncDirectory(stack: JournalStack): Promise<void> {
  const res = await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  if (res.status !== 200) throw new Error(`directory sync: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Points the emulator's journal rule at the gateway's mailbox `address`. */
export function journalTo(stack: JournalStack, address: string, extra: { auth?: { user: string; pass: string } } = {}): void {
  stack.emulator.journal.configure({ host: '127.0.0.1', port: stack.smtpPort, journalAddress: address, tls: 'starttls', ...extra });
}

/** Waits until the report (by its SHA-256) is processed, and returns its record. */
export async function processedReport(stack: JournalStack, report: Buffer, timeoutMs = 30_000): Promise<any> {
  return waitFor(`journal report ${sha256(report).slice(0, 12)} to be processed`, async () => {
    const res = await stack.api(ADMIN, 'GET', `/admin/journal/reports/${sha256(report)}`);
    return res.status === 200 ? res.body : undefined;
  }, timeoutMs, 100);
}

/** Waits until the report is listed in the quarantine (listing needs no grant, reading does). */
export async function quarantined(stack: JournalStack, bytes: Buffer, timeoutMs = 30_000): Promise<any> {
  return waitFor(`report ${sha256(bytes).slice(0, 12)} in quarantine`, async () => {
    const res = await stack.api(ADMIN, 'GET', '/admin/journal/quarantine');
    return res.body.value?.find((q: { _id: string }) => q._id === sha256(bytes));
  }, timeoutMs, 100);
}

export async function hasMessage(store: Store, archiveId: string, original: Buffer): Promise<boolean> {
  return (await getItem(store.conn, archiveId, sha256(original))) !== null;
}

export async function archivedBytes(store: Store, original: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.blobs.open(sha256(original))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface SmtpClientOptions {
  port: number;
  tls?: 'starttls' | 'none' | 'required';
  auth?: { user: string; pass: string };
  /** The TLS client certificate to present. */
  clientCert?: { key: string; cert: string };
}

/** nodemailer as any SMTP client: sends `raw` to `to` and answers the reply or throws the SMTP error. */
export async function smtpSend(opts: SmtpClientOptions, to: string, raw: Buffer, from = 'sender@fabrikam.example'): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: opts.port,
    secure: false,
    ignoreTLS: opts.tls === 'none',
    requireTLS: opts.tls === 'required',
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.clientCert ? { tls: opts.clientCert } : {}),
  });
  try {
    const info = await transport.sendMail({ envelope: { from, to: [to] }, raw });
    return info.response ?? '';
  } finally {
    transport.close();
  }
}

/** The SMTP reply code of a failed send. */
export async function smtpFailure(send: Promise<unknown>): Promise<{ code: number | undefined; response: string }> {
  try {
    await send;
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message?: string };
    return { code: e.responseCode, response: e.response ?? e.message ?? '' };
  }
  throw new Error('the SMTP send succeeded, but a refusal was expected');
}

export function plainMail(subject: string, to = 'journal@archive.example'): Buffer {
  return Buffer.from(
    [
      'From: Somebody <somebody@fabrikam.example>',
      `To: <${to}>`,
      `Subject: ${subject}`,
      'Date: Mon, 6 Oct 2025 09:15:02 +0000',
      `Message-ID: <${randomUUID()}@fabrikam.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Not a journal report, just mail sent to the journal address.',
      '',
    ].join('\r\n'),
  );
}
