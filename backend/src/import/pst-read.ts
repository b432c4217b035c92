import { crc32 } from 'node:zlib';
import { PSTFile, PSTMessage, type PSTAttachment, type PSTFolder } from 'pst-extractor';
import { emptyItem, importanceOf, type OutlookAddress, type OutlookAttachment, type OutlookItem } from './outlook-item';
import { bodyFromRtf } from './rtf';
import { ImportInputError } from './types';

/** PidTagPstPassword (MS-PST 2.4.6.1): a CRC-32 of the password, or 0 when there is none. */
const PID_PST_PASSWORD = 0x67ff;
const PID_SENDER_SMTP = 0x5d01;
const PID_RECIPIENT_SMTP = 0x39fe;
const FOLDER_SEARCH = 2;
const ATTACH_EMBEDDED = 5;
const MAX_EMBEDDED_DEPTH = 8;
const IPM_SUBTREE = /^(Top of |IPM_SUBTREE$|Root - )/i;

export interface PstEntry {
  /** `folder ordinal:item index`, both of the folder walk's fixed order. */
  cursor: string;
  folder: string;
  where: string;
  item?: OutlookItem;
  error?: string;
}

/** Protected getters of pst-extractor for properties it has no accessor for. */
type Props = { getIntItem(id: number, def?: number): number; getStringItem(id: number): string };
const props = (o: unknown) => o as Props;

/** Opens a PST/OST file; an unreadable or password-protected one is an ImportInputError. */
export function openPst(path: string, label: string, password?: string): PSTFile {
  let pst: PSTFile;
  try {
    pst = new PSTFile(path);
  } catch (err) {
    throw new ImportInputError('PST_UNREADABLE', `not a readable PST/OST file: ${(err as Error).message}`, label);
  }
  try {
    const stored = props(pst.getMessageStore()).getIntItem(PID_PST_PASSWORD, 0) >>> 0;
    if (stored !== 0 && (password === undefined || crc32(Buffer.from(password, 'latin1')) >>> 0 !== stored)) {
      pst.close();
      throw new ImportInputError('PST_PASSWORD_PROTECTED', password === undefined ? 'the PST is password-protected: give its password to import it' : 'the PST password given is wrong', label);
    }
  } catch (err) {
    if (err instanceof ImportInputError) throw err;
    pst.close();
    throw new ImportInputError('PST_UNREADABLE', `the PST's message store cannot be read: ${(err as Error).message}`, label);
  }
  return pst;
}

interface FolderRef {
  folder: PSTFolder;
  path: string;
}

/**
 * The mail folders in a fixed depth-first order, search folders left out, with the archive
 * paths they get: only the IPM subtree ("Top of Personal Folders", whose own name no user ever
 * saw as a folder) holds the user's folders. A folder whose children cannot be listed is reported and its siblings go on.
 */
export function pstFolders(pst: PSTFile, onError: (path: string, err: unknown) => void): FolderRef[] {
  const out: FolderRef[] = [];
  const subfolders = (folder: PSTFolder, path: string[]) => {
    try {
      return folder.hasSubfolders ? folder.getSubFolders().filter((sub) => sub.folderType !== FOLDER_SEARCH) : [];
    } catch (err) {
      onError(path.join('/'), err);
      return [];
    }
  };
  const walk = (folder: PSTFolder, path: string[]) => {
    out.push({ folder, path: path.join('/') });
    for (const sub of subfolders(folder, path)) walk(sub, [...path, sub.displayName.replace(/\//g, '_')]);
  };
  const root = pst.getRootFolder();
  // Beside the IPM subtree the root holds the store's own folders (views, reminders, free/busy).
  const ipm = subfolders(root, []).find((sub) => IPM_SUBTREE.test(sub.displayName));
  walk(ipm ?? root, []);
  return out;
}

/** Total items of the mail folders, for progress. */
export function pstItemCount(folders: FolderRef[]): number {
  return folders.reduce((n, f) => n + f.folder.contentCount, 0);
}

/** The items after `cursor`, converted one at a time. */
export function* pstEntries(pst: PSTFile, label: string, folders: FolderRef[], cursor: string | null): Generator<PstEntry> {
  const [fromFolder, fromItem] = cursor ? cursor.split(':').map(Number) : [0, -1];
  for (let f = fromFolder!; f < folders.length; f++) {
    const { folder, path } = folders[f]!;
    if (folder.contentCount === 0) continue;
    let index = f === fromFolder ? fromItem! + 1 : 0;
    const where = (i: number) => `${label} › ${path || '(top)'} › item ${i + 1}`;
    try {
      folder.moveChildCursorTo(index);
    } catch (err) {
      yield { cursor: `${f}:${folder.contentCount - 1}`, folder: path, where: where(index), error: `the folder's items cannot be listed: ${(err as Error).message}` };
      continue;
    }
    for (; index < folder.contentCount; index++) {
      const entry: PstEntry = { cursor: `${f}:${index}`, folder: path, where: where(index) };
      try {
        const child: unknown = folder.getNextChild();
        if (!child) break;
        if (!(child instanceof PSTMessage)) continue;
        entry.item = pstItem(child, 0);
      } catch (err) {
        entry.error = `the item cannot be read: ${(err as Error).message}`;
      }
      yield entry;
    }
  }
}

function pstItem(m: PSTMessage, depth: number): OutlookItem {
  const item = emptyItem();
  const recipients: Record<number, OutlookAddress[]> = { 1: item.to, 2: item.cc, 3: item.bcc };
  for (let i = 0; i < m.numberOfRecipients; i++) {
    const r = m.getRecipient(i);
    if (!r) continue;
    const address = props(r).getStringItem(PID_RECIPIENT_SMTP) || r.smtpAddress || (r.emailAddress.includes('@') ? r.emailAddress : '');
    if (!address) item.lost.push(`recipient "${r.displayName}" has no internet address`);
    (recipients[r.recipientType] ?? item.to).push({ name: r.displayName, address });
  }
  const senderSmtp = props(m).getStringItem(PID_SENDER_SMTP) || (m.senderEmailAddress.includes('@') ? m.senderEmailAddress : '');
  Object.assign(item, {
    messageClass: m.messageClass || 'IPM.Note',
    subject: m.subject,
    from: senderSmtp || m.senderName ? { name: m.senderName, address: senderSmtp } : null,
    sentAt: m.clientSubmitTime ?? m.creationTime,
    receivedAt: m.messageDeliveryTime,
    messageId: m.internetMessageId,
    inReplyTo: m.inReplyToId,
    importance: importanceOf(m.importance),
    categories: m.colorCategories,
    transportHeaders: m.transportMessageHeaders,
    text: m.body,
    html: m.bodyHTML,
  } satisfies Partial<OutlookItem>);
  if (!item.text && !item.html && m.bodyRTF) {
    const fromRtf = bodyFromRtf(m.bodyRTF);
    if (fromRtf && 'html' in fromRtf) item.html = fromRtf.html;
    else if (fromRtf) item.text = fromRtf.text;
    else item.hasRtfOnly = true;
  }
  for (let i = 0; i < m.numberOfAttachments; i++) item.attachments.push(pstAttachment(m, i, depth, item.lost));
  return item;
}

function pstAttachment(m: PSTMessage, i: number, depth: number, lost: string[]): OutlookAttachment {
  let a: PSTAttachment;
  try {
    a = m.getAttachment(i);
  } catch (err) {
    lost.push(`attachment ${i + 1}: ${(err as Error).message}`);
    return { filename: `attachment-${i + 1}` };
  }
  const filename = a.longFilename || a.filename || a.displayName || `attachment-${i + 1}`;
  try {
    if (a.attachMethod === ATTACH_EMBEDDED) {
      const inner = depth < MAX_EMBEDDED_DEPTH ? a.embeddedPSTMessage : null;
      if (inner) return { filename: `${inner.subject || 'message'}.eml`, message: pstItem(inner, depth + 1) };
      lost.push(`embedded message "${filename}" could not be read`);
      return { filename };
    }
    const stream = a.fileInputStream;
    if (!stream) return { filename };
    const content = Buffer.alloc(stream.length.toNumber());
    stream.readCompletely(content);
    return { filename, content, ...(a.mimeTag ? { contentType: a.mimeTag } : {}), ...(a.contentId ? { contentId: a.contentId } : {}) };
  } catch (err) {
    lost.push(`attachment "${filename}": ${(err as Error).message}`);
    return { filename };
  }
}
