/**
 * An Outlook item (from a PST or a .msg) as the MIME converter needs it: what both readers give,
 * so that one converter serves them and converts them alike.
 */
export interface OutlookAddress {
  name: string;
  address: string;
}

export interface OutlookAttachment {
  filename: string;
  contentType?: string;
  contentId?: string;
  content?: Buffer;
  /** An attached Outlook item, converted to a message/rfc822 part. */
  message?: OutlookItem;
}

export interface OutlookItem {
  messageClass: string;
  subject: string;
  from: OutlookAddress | null;
  to: OutlookAddress[];
  cc: OutlookAddress[];
  bcc: OutlookAddress[];
  /** When it was sent (PidTagClientSubmitTime) or, failing that, created. */
  sentAt: Date | null;
  /** When it was delivered (PidTagMessageDeliveryTime). */
  receivedAt: Date | null;
  messageId: string;
  inReplyTo: string;
  importance: 'low' | 'normal' | 'high';
  categories: string[];
  /** The internet headers it arrived with (PidTagTransportMessageHeaders), when it did arrive. */
  transportHeaders: string;
  text: string;
  html: string;
  /** An RTF body that the converter cannot render (only when there is neither text nor HTML). */
  hasRtfOnly: boolean;
  attachments: OutlookAttachment[];
  /** What the reader already knows it could not read. */
  lost: string[];
}

/** PidTagImportance: 0 low, 1 normal, 2 high. */
export function importanceOf(value: number | undefined): OutlookItem['importance'] {
  return value === 0 ? 'low' : value === 2 ? 'high' : 'normal';
}

export function emptyItem(): OutlookItem {
  return {
    messageClass: 'IPM.Note', subject: '', from: null, to: [], cc: [], bcc: [], sentAt: null, receivedAt: null,
    messageId: '', inReplyTo: '', importance: 'normal', categories: [], transportHeaders: '', text: '', html: '',
    hasRtfOnly: false, attachments: [], lost: [],
  };
}
