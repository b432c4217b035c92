import type { AddressObject, AttachmentStream, EmailAddress, HeaderLines, Headers, StructuredHeader } from 'mailparser';
import type { MessageAddress } from '../store/messages';
import { parseMailDate, receivedDate } from './mail-date';

// Caps that keep one message document far below MongoDB's 16 MB whatever the headers say.
const MAX_HEADER_CHARS = 2000;
const MAX_ADDRESSES = 1000;
const MAX_RECEIVED = 50;

export function first(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : '';
}

/** Control characters (NUL included) serve neither search nor display. */
export function clean(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, max);
}

export function oneLine(text: string | undefined, max = MAX_HEADER_CHARS): string {
  return clean(text ?? '', Number.POSITIVE_INFINITY).replace(/\s+/g, ' ').trim().slice(0, max);
}

export function addresses(value: unknown): MessageAddress[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  const out: MessageAddress[] = [];
  const add = (entries: EmailAddress[]) => {
    for (const e of entries) {
      if (out.length >= MAX_ADDRESSES) return;
      if (e.group) add(e.group);
      else if (e.address || e.name) out.push({ name: oneLine(e.name, 256), address: oneLine(e.address, 320).toLowerCase() });
    }
  };
  for (const o of objects) if (Array.isArray(o?.value)) add(o.value);
  return out;
}

const valueOf = (line: string) => line.slice(line.indexOf(':') + 1);

/**
 * mailparser turns an unparseable Date into "now"; an archive must not invent dates, so the raw
 * line is read (mail-date.ts). When it is hopeless, the first Received date that reads stands in,
 * marked inferred.
 */
export function messageDate(lines: HeaderLines): { date: Date | null; inferred: boolean } {
  const line = lines.find((l) => l.key === 'date')?.line;
  const date = line ? parseMailDate(valueOf(line)) : null;
  if (date) return { date, inferred: false };
  const received = lines.filter((l) => l.key === 'received').slice(0, MAX_RECEIVED).map((l) => valueOf(l.line));
  const inferred = receivedDate(received);
  return { date: inferred, inferred: inferred !== null };
}

/**
 * A raw 8-bit file name is read as UTF-8 by the part's parsed headers and as Latin-1 by the
 * splitter's `filename`. UTF-8 is what clients send; Latin-1 wins only when the UTF-8 reading
 * failed and the Latin-1 one does not look like UTF-8 bytes read as Latin-1.
 */
export function filenameOf(att: AttachmentStream): string {
  const disposition = att.headers.get('content-disposition') as StructuredHeader | undefined;
  const type = att.headers.get('content-type') as StructuredHeader | undefined;
  const utf8 = disposition?.params?.filename || type?.params?.name || '';
  const latin1 = att.filename ?? '';
  return utf8.includes('\ufffd') && latin1 && !/[\u00c2-\u00f4][\u0080-\u00bf]/.test(latin1) ? latin1 : utf8 || latin1;
}

export function charsetOf(headers: Headers): string | undefined {
  const ct = headers.get('content-type') as StructuredHeader | undefined;
  return ct?.params?.charset;
}
