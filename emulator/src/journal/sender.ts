import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { DEMO } from '../config';
import type { UserRecord } from '../tenant/directory';
import type { Tenant } from '../tenant/model';
import { buildExchangeJournalReport, EXCHANGE_SYSTEM_MAILBOX, type EnvelopeField, type EnvelopeRecipient } from './report';

/** Where the tenant's journal rule sends its reports: the archive's SMTP gateway. */
export interface JournalTarget {
  host: string;
  port: number;
  /** The rule's JournalEmailAddress: a journal mailbox of the gateway. */
  journalAddress: string;
  /** `starttls`: when offered (default); `required`: fail without it; `none`: never. */
  tls?: 'starttls' | 'required' | 'none';
  auth?: { user: string; pass: string };
  /** Default true: the gateway's certificate must chain to a trusted CA (NODE_EXTRA_CA_CERTS in tests). */
  rejectUnauthorized?: boolean;
  /** Parallel SMTP connections (default 1). */
  connections?: number;
}

export interface InternalMail {
  /** Address or UPN of the sender. */
  from: string;
  to?: string[];
  cc?: string[];
  /** In the journal report's envelope only, never in the message's headers. */
  bcc?: string[];
  subject: string;
  text?: string;
  html?: string;
  attachments?: { filename: string; content: Buffer | string; contentType?: string }[];
  date?: Date;
  /** Put the message into the sender's Sent Items and the recipients' Inboxes (default true). */
  deliverToMailboxes?: boolean;
}

export interface JournaledMail {
  /** With angle brackets. */
  messageId: string;
  /** The message as sent: what the archive must hold byte for byte. */
  original: Buffer;
  report: Buffer;
  recipients: EnvelopeRecipient[];
}

export interface DeliveryResult {
  accepted: boolean;
  /** The gateway's last reply, e.g. `250 2.0.0 Spooled as …`. */
  response: string;
}

/**
 * The tenant's journaling: a journal rule (scope: every message) whose reports leave the tenant
 * by SMTP for the archive's gateway, as Exchange Online's do (it cannot journal into one of its
 * own mailboxes). Distribution groups are expanded in the envelope, Bcc recipients appear only there.
 */
export class JournalSender {
  private target: JournalTarget | null = null;
  private transport: Transporter | null = null;

  constructor(private readonly tenant: Tenant) {}

  configure(target: JournalTarget | null): void {
    this.transport?.close();
    this.transport = null;
    this.target = target;
    if (!target) return;
    this.transport = nodemailer.createTransport({
      host: target.host,
      port: target.port,
      secure: false,
      requireTLS: target.tls === 'required',
      ignoreTLS: target.tls === 'none',
      ...(target.auth ? { auth: target.auth } : {}),
      tls: { rejectUnauthorized: target.rejectUnauthorized ?? true },
      pool: true,
      maxConnections: target.connections ?? 1,
      maxMessages: Infinity,
    });
  }

  get journalAddress(): string | null {
    return this.target?.journalAddress ?? null;
  }

  /** Sends a message inside the tenant: into the mailboxes, and journaled to the gateway when a rule is configured. */
  async sendInternalMail(mail: InternalMail): Promise<JournaledMail & { delivery: DeliveryResult | null }> {
    const journaled = await this.compose(mail);
    if (mail.deliverToMailboxes ?? true) await this.deliverToMailboxes(mail, journaled);
    const delivery = this.target ? await this.deliver(journaled.report) : null;
    return { ...journaled, delivery };
  }

  /** The original and its journal report, without sending either. */
  async compose(mail: InternalMail): Promise<JournaledMail> {
    const sender = this.addressOf(mail.from);
    const domain = sender.split('@')[1] ?? DEMO.domain;
    const messageId = `<${randomUUID()}@${domain}>`;
    const built = await new MailComposer({
      from: { name: this.userByAddress(sender)?.user.displayName ?? '', address: sender },
      to: mail.to,
      cc: mail.cc,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      attachments: mail.attachments,
      date: mail.date ?? new Date(),
      messageId,
    })
      .compile()
      .build();
    // SMTP carries lines ending in CRLF only; MailComposer leaves bare LFs of a 7bit text as they are.
    const original = Buffer.from(built.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    const recipients = this.envelopeRecipients(mail);
    const report = buildExchangeJournalReport({
      sender,
      subject: mail.subject,
      messageId,
      recipients,
      original,
      journalAddress: this.target?.journalAddress ?? 'journal@archive.invalid',
      systemDomain: DEMO.initialDomain,
    });
    return { messageId, original, report, recipients };
  }

  /** Sends a report (or anything else) to the gateway's journal mailbox over SMTP. */
  async deliver(report: Buffer): Promise<DeliveryResult> {
    if (!this.transport || !this.target) throw new Error('no journal rule: configure the gateway first');
    const info = await this.transport.sendMail({
      envelope: { from: `${EXCHANGE_SYSTEM_MAILBOX}@${DEMO.initialDomain}`, to: [this.target.journalAddress] },
      raw: report,
    });
    return { accepted: (info.accepted ?? []).length > 0, response: info.response ?? '' };
  }

  close(): void {
    this.configure(null);
  }

  /** One line per recipient, groups replaced by their members, each address once. */
  private envelopeRecipients(mail: InternalMail): EnvelopeRecipient[] {
    const out: EnvelopeRecipient[] = [];
    const seen = new Set<string>();
    const add = (r: EnvelopeRecipient) => {
      const key = r.address.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      out.push(r);
    };
    const fields: [EnvelopeField, string[] | undefined][] = [['To', mail.to], ['Cc', mail.cc], ['Bcc', mail.bcc]];
    for (const [field, list] of fields) {
      for (const raw of list ?? []) {
        const address = raw.trim();
        const members = this.groupMembers(address);
        if (members) for (const m of members) add({ field, address: m, expandedFrom: address });
        else add({ field, address });
      }
    }
    return out;
  }

  private async deliverToMailboxes(mail: InternalMail, journaled: JournaledMail): Promise<void> {
    const sender = this.userByAddress(this.addressOf(mail.from));
    if (sender && this.tenant.mailboxes.has(sender.user.id)) await this.tenant.addMessage(sender.user.id, 'sentitems', journaled.original, { isRead: true });
    const delivered = new Set<string>();
    for (const r of journaled.recipients) {
      const user = this.userByAddress(r.address);
      if (!user || delivered.has(user.user.id) || !this.tenant.mailboxes.has(user.user.id)) continue;
      delivered.add(user.user.id);
      await this.tenant.addMessage(user.user.id, 'inbox', journaled.original);
    }
  }

  private addressOf(ref: string): string {
    return this.tenant.findUser(ref)?.user.mail ?? ref;
  }

  private userByAddress(address: string): UserRecord | undefined {
    const a = address.toLowerCase();
    for (const rec of this.tenant.users.values()) {
      if (rec.user.mail?.toLowerCase() === a || (rec.user.proxyAddresses ?? []).some((p) => p.slice(5).toLowerCase() === a)) return rec;
    }
    return this.tenant.findUser(address);
  }

  /** Primary addresses of a mail-enabled group's members; undefined when `address` is no group. */
  private groupMembers(address: string): string[] | undefined {
    const a = address.toLowerCase();
    for (const { group, memberIds } of this.tenant.groups.values()) {
      const addresses = [group.mail, ...(group.proxyAddresses ?? []).map((p) => p.slice(5))].filter(Boolean).map((x) => x!.toLowerCase());
      if (!group.mailEnabled || !addresses.includes(a)) continue;
      return memberIds.map((id) => this.tenant.users.get(id)?.user.mail).filter((m): m is string => Boolean(m));
    }
    return undefined;
  }
}
