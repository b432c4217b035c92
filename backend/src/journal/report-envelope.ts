// The envelope (MS-XJRNL 2.1 "Envelope-Part"): the text part of a journal report, one
// `Field: value` per line. Field names are ABNF quoted strings, hence case-insensitive.
import type { JournalEnvelope, JournalRecipient, RecipientType } from './report-types';

export type EnvelopeParse =
  | { ok: true; envelope: JournalEnvelope; warnings: string[] }
  | { ok: false; reason: string; envelope: Partial<JournalEnvelope>; warnings: string[] };

const RECIPIENT_FIELDS: Record<string, RecipientType> = { to: 'to', cc: 'cc', bcc: 'bcc', recipient: 'recipient' };
// Documented optional fields that carry nothing the archive needs.
const IGNORED_FIELDS = new Set(['label', 'mailbox', 'sentutc', 'receivedutc']);
const SINGLE_FIELDS = { sender: 'Sender', 'on-behalf-of': 'On-Behalf-Of', subject: 'Subject', 'message-id': 'Message-ID' } as const;
type SingleField = keyof typeof SINGLE_FIELDS;

export function parseEnvelopeText(text: string): EnvelopeParse {
  const warnings: string[] = [];
  const single = new Map<SingleField, string>();
  const recipients: JournalRecipient[] = [];
  const problems: string[] = [];
  for (const { number, line } of logicalLines(text)) {
    const field = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/s.exec(line);
    if (!field) {
      problems.push(`line ${number} is not a "Field: value" line: ${quote(line)}`);
      continue;
    }
    const name = (field[1] as string).toLowerCase();
    const value = field[2] as string;
    const type = RECIPIENT_FIELDS[name];
    if (type) {
      const parsed = parseRecipientLine(type, value);
      if (typeof parsed === 'string') problems.push(`line ${number} (${quote(line)}): ${parsed}`);
      else {
        if (parsed.length > 1) warnings.push(`line ${number} lists ${parsed.length} addresses; Exchange writes one per line`);
        recipients.push(...parsed);
      }
    } else if (name in SINGLE_FIELDS) {
      if (single.has(name as SingleField)) warnings.push(`line ${number}: second ${SINGLE_FIELDS[name as SingleField]} line ignored`);
      else single.set(name as SingleField, value);
    } else if (!IGNORED_FIELDS.has(name)) {
      warnings.push(`line ${number}: unknown envelope field ${quote(field[1] as string)} ignored`);
    }
  }
  return assemble(single, recipients, problems, warnings);
}

function assemble(single: Map<SingleField, string>, recipients: JournalRecipient[], problems: string[], warnings: string[]): EnvelopeParse {
  const envelope: Partial<JournalEnvelope> = { recipients };
  const subject = single.get('subject');
  if (subject !== undefined) envelope.subject = subject;
  else warnings.push('the envelope has no Subject line');
  const messageId = single.get('message-id')?.trim();
  if (messageId) envelope.messageId = messageId;
  else problems.push('the envelope has no Message-ID');

  const sender = single.get('sender');
  if (sender === undefined) problems.push('the envelope has no Sender line');
  else {
    const address = parseMailbox(sender);
    if (address === undefined) problems.push(`Sender is not an e-mail address: ${quote(sender)}`);
    else {
      envelope.sender = address;
      if (address === '') warnings.push('Sender is the null reverse-path <> (a bounce or system message)');
    }
  }
  const onBehalfOf = single.get('on-behalf-of');
  if (onBehalfOf !== undefined) {
    const address = parseMailbox(onBehalfOf);
    if (address) envelope.onBehalfOf = address;
    else problems.push(`On-Behalf-Of is not an e-mail address: ${quote(onBehalfOf)}`);
  }
  if (recipients.length === 0 && problems.length === 0) problems.push('the envelope lists no recipients');
  envelope.participants = participantsOf(envelope);
  if (problems.length > 0) return { ok: false, reason: `unreadable envelope: ${problems.join('; ')}`, envelope, warnings };
  return { ok: true, envelope: envelope as JournalEnvelope, warnings };
}

function participantsOf(envelope: Partial<JournalEnvelope>): string[] {
  const all = [envelope.sender, envelope.onBehalfOf];
  for (const r of envelope.recipients ?? []) all.push(r.address, r.forwardedFrom);
  return [...new Set(all.filter((a): a is string => !!a).map((a) => a.toLowerCase()))];
}

/** Lines with folding undone (a line starting with white space continues the previous one). */
function logicalLines(text: string): { number: number; line: string }[] {
  const out: { number: number; line: string }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(raw) && last && raw.trim() !== '') last.line += raw;
    else out.push({ number: i + 1, line: raw });
  });
  return out.map((l) => ({ ...l, line: l.line.trim() })).filter((l) => l.line !== '');
}

/**
 * `address [, Expanded: dl] [, Forwarded: source]`. Returns the recipients, or why the line
 * cannot be read. Several addresses before the redirection are tolerated.
 */
function parseRecipientLine(type: RecipientType, value: string): JournalRecipient[] | string {
  const addresses: string[] = [];
  const redirect: { expanded?: string; forwarded?: string } = {};
  for (const segment of splitTopLevel(value)) {
    if (segment.trim() === '') continue;
    const redirection = /^(expanded|forwarded)[ \t]*:[ \t]*(.*)$/is.exec(segment.trim());
    if (redirection) {
      const kind = (redirection[1] as string).toLowerCase() as 'expanded' | 'forwarded';
      const source = parseMailbox(redirection[2] as string);
      if (!source) return `the ${kind} source is not an e-mail address`;
      if (redirect[kind]) return `two ${kind} sources`;
      redirect[kind] = source;
      continue;
    }
    if (redirect.expanded || redirect.forwarded) return 'an address follows the Expanded/Forwarded source';
    const address = parseMailbox(segment);
    if (!address) return `not an e-mail address: ${quote(segment.trim())}`;
    addresses.push(address);
  }
  if (addresses.length === 0) return 'no recipient address';
  return addresses.map((address) => ({
    address,
    type,
    ...(redirect.expanded ? { expandedFrom: redirect.expanded } : {}),
    ...(redirect.forwarded ? { forwardedFrom: redirect.forwarded } : {}),
  }));
}

/** Splits at commas outside quoted strings, angle brackets and comments. */
function splitTopLevel(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted && c === '\\') {
      current += c + (value[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '<' || c === '(')) depth++;
    else if (!quoted && (c === '>' || c === ')')) depth = Math.max(0, depth - 1);
    if (c === ',' && !quoted && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

const ADDR_SPEC = /^(?:"(?:[^"\\]|\\.)*"|[^\s@<>",;()]+)@[^\s@<>",;()]+$/;

/**
 * The address of `addr`, `<addr>`, `Display Name <addr>` or `addr (comment)`; '' for the null
 * path `<>`; undefined when there is no address.
 */
export function parseMailbox(value: string): string | undefined {
  let s = value.trim().replace(/\s*\([^()]*\)$/, '');
  const angle = /<([^<>]*)>$/.exec(s);
  if (angle) {
    s = (angle[1] as string).trim();
    if (s === '') return '';
  }
  return ADDR_SPEC.test(s) ? s : undefined;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}

/** The envelope as Exchange writes it: sender, on-behalf-of, subject, message id, then one line per recipient. */
export function formatEnvelope(envelope: Omit<JournalEnvelope, 'participants'>): string {
  const lines = [`Sender: ${envelope.sender || '<>'}`];
  if (envelope.onBehalfOf) lines.push(`On-Behalf-Of: ${envelope.onBehalfOf}`);
  lines.push(`Subject: ${envelope.subject}`, `Message-Id: ${envelope.messageId}`);
  for (const r of envelope.recipients) {
    let line = `${FIELD_NAMES[r.type]}: ${r.address}`;
    if (r.expandedFrom) line += `, Expanded: ${r.expandedFrom}`;
    if (r.forwardedFrom) line += `, Forwarded: ${r.forwardedFrom}`;
    lines.push(line);
  }
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new Error(`journal envelope values must be single lines: ${quote(line)}`);
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

const FIELD_NAMES: Record<RecipientType, string> = { to: 'To', cc: 'Cc', bcc: 'Bcc', recipient: 'Recipient' };
