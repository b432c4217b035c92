import type { MessageAddress, MessageContent } from '../../store/messages';

/**
 * An attached message as searchable text: its subject, people, body, attachment names and the
 * text of its own attachments, so a forwarded message is found by what it says.
 */
export function nestedMessageText(msg: MessageContent): string {
  const people = (label: string, list: MessageAddress[]) => (list.length ? `${label}: ${list.map(person).join(', ')}` : '');
  const names = msg.attachments.map((a) => a.filename).filter(Boolean);
  return [
    msg.subject,
    people('From', msg.from),
    people('To', msg.to),
    people('Cc', msg.cc),
    msg.bodyText,
    names.length ? `Attachments: ${names.join(', ')}` : '',
    ...msg.attachmentText,
  ]
    .filter(Boolean)
    .join('\n');
}

function person(a: MessageAddress): string {
  return a.name && a.address ? `${a.name} <${a.address}>` : a.name || a.address;
}
