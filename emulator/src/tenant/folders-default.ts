import type { Mailbox } from './mailbox';
import { bufferSource } from './mime';

/**
 * The folder tree Exchange Online creates for every mailbox. Calendar, Contacts, Tasks and Notes
 * sit beside the mail folders under msgfolderroot; clients tell them apart by PR_CONTAINER_CLASS.
 */
export function createDefaultFolders(mb: Mailbox): void {
  const root = mb.addFolder(null, 'Top of Information Store', { wellKnownName: 'msgfolderroot', containerClass: '' });
  const mail: [string, string][] = [
    ['Inbox', 'inbox'], ['Sent Items', 'sentitems'], ['Drafts', 'drafts'], ['Deleted Items', 'deleteditems'],
    ['Junk Email', 'junkemail'], ['Archive', 'archive'], ['Outbox', 'outbox'],
    ['Conversation History', 'conversationhistory'],
  ];
  for (const [name, wellKnownName] of mail) mb.addFolder(root.id, name, { wellKnownName });
  mb.addFolder(root.id, 'Calendar', { containerClass: 'IPF.Appointment' });
  mb.addFolder(root.id, 'Contacts', { containerClass: 'IPF.Contact' });
  mb.addFolder(root.id, 'Tasks', { containerClass: 'IPF.Task' });
  mb.addFolder(root.id, 'Notes', { containerClass: 'IPF.StickyNote' });
  mb.addFolder(root.id, 'Conversation Action Settings', { containerClass: 'IPF.Configuration', isHidden: true });
  // Recoverable Items live outside the IPM subtree: reachable only by well-known name.
  mb.addFolder(null, 'Deletions', { wellKnownName: 'recoverableitemsdeletions', isHidden: true });
}

/** A few calendar, contact, task and note items, so non-mail folders are not empty. */
export function addNonMailItems(mb: Mailbox, ownerAddress: string): void {
  const at = (name: string) => mb.resolveFolder(name)!.id;
  const item = (folder: string, itemClass: 'IPM.Appointment' | 'IPM.Contact' | 'IPM.Task' | 'IPM.StickyNote', subject: string, type: string, body: string) => {
    const mime = [
      `From: ${ownerAddress}`, `Subject: ${subject}`, 'MIME-Version: 1.0', `Content-Type: ${type}; charset=utf-8`,
      '', body, '',
    ].join('\r\n');
    mb.insert(at(folder), { source: bufferSource(Buffer.from(mime), `nonmail:${mb.userId}:${subject}`), itemClass, isRead: true });
  };
  item('Calendar', 'IPM.Appointment', 'Quarterly planning', 'text/calendar',
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Quarterly planning\r\nDTSTART:20240115T090000Z\r\nDTEND:20240115T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR');
  item('Calendar', 'IPM.Appointment', 'Team lunch', 'text/calendar',
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Team lunch\r\nDTSTART:20240201T120000Z\r\nDTEND:20240201T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR');
  item('Contacts', 'IPM.Contact', 'Fabrikam Sales', 'text/vcard',
    'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fabrikam Sales\r\nEMAIL:sales@fabrikam.example\r\nEND:VCARD');
  item('Tasks', 'IPM.Task', 'Renew domain', 'text/plain', 'Renew contoso.example before March.');
  item('Notes', 'IPM.StickyNote', 'Parking: level 3', 'text/plain', 'Parking: level 3, spot 42');
}
