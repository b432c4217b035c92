import { createHash, randomUUID } from 'node:crypto';
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

/** The standard stack with the SMTP gateway on a free port. */
export async function startJournalStack(env: Record<string, string> = {}): Promise<JournalStack> {
  const smtpPort = await freePort();
  const stack = await startStack({ dbName: `test_journal_${randomUUID().slice(0, 8)}`, env: { SMTP_PORT: String(smtpPort), ...env } });
  return { ...stack, smtpPort };
}

/** A gateway mailbox and its profile; returns the mailbox's secret (shown once). */
export async function createJournal(stack: JournalStack, address: string, profile: Record<string, unknown> = {}): Promise<{ secret: string; profileId: string }> {
  const mailbox = await stack.api(ADMIN, 'POST', '/admin/journal/mailboxes', { address, description: `test ${address}` });
  if (mailbox.status !== 201) throw new Error(`creating mailbox ${address}: ${mailbox.status} ${JSON.stringify(mailbox.body)}`);
  const created = await stack.api(ADMIN, 'POST', '/admin/journal/profiles', { name: `Journal ${address}`, mailbox: address, ...profile });
  if (created.status !== 201) throw new Error(`creating profile for ${address}: ${created.status} ${JSON.stringify(created.body)}`);
  return { secret: mailbox.body.secret, profileId: created.body.id };
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

export async function quarantined(stack: JournalStack, bytes: Buffer, timeoutMs = 30_000): Promise<any> {
  return waitFor(`report ${sha256(bytes).slice(0, 12)} in quarantine`, async () => {
    const res = await stack.api(ADMIN, 'GET', `/admin/journal/quarantine/${sha256(bytes)}`);
    return res.status === 200 ? res.body : undefined;
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
