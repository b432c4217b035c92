import { longDate, person } from './format';
import type { Address } from './shared/types';

export interface WindowHeader {
  subject: string;
  from: Address | undefined;
  to: Address[];
  cc: Address[];
  date: string | undefined;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const people = (list: Address[]) => list.map((a) => (a.address && a.name ? `${a.name} <${a.address}>` : person(a))).join(', ');

/**
 * The document of "Open in new window": the header (subject, from, to, date) above the message
 * in a sandboxed frame, written into a blank window of the add-in's origin, so that the window's
 * address is about:blank and carries neither the access token nor the short-lived view ticket.
 */
export function newWindowDocument(h: WindowHeader, viewUrl: string): string {
  const line = (label: string, value: string) => (value ? `<div><b>${label}</b> ${escape(value)}</div>` : '');
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">',
    `<title>${escape(h.subject || '(no subject)')}</title>`,
    '<style>body{margin:0;display:flex;flex-direction:column;height:100vh;font:14px "Segoe UI",system-ui,sans-serif}',
    'header{padding:12px 16px;border-bottom:1px solid #d1d1d1}h1{font-size:20px;margin:0 0 6px;overflow-wrap:anywhere}',
    'header div{color:#424242;overflow-wrap:anywhere}iframe{flex-grow:1;border:none;width:100%;background:#fff}</style></head><body>',
    `<header><h1>${escape(h.subject || '(no subject)')}</h1>`,
    line('From:', h.from ? people([h.from]) : ''),
    line('To:', people(h.to)),
    line('Cc:', people(h.cc)),
    line('Date:', longDate(h.date)),
    `</header><iframe title="Message: ${escape(h.subject || '(no subject)')}" src="${escape(viewUrl)}" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>`,
    '</body></html>',
  ].join('');
}
