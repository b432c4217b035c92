/** Shapes of the backend's JSON answers (backend/src/http/routes), shared by the add-in and the Teams tab. */

export interface Me {
  oid: string;
  upn: string;
  name: string;
  roles: string[];
}

export interface Archive {
  id: string;
  displayName: string;
  upn: string;
  mail: string;
  kind: string;
  status: string;
  /** The caller's own archive. */
  own: boolean;
  /** The person has an online archive (In-Place Archive) a restore may go back into. */
  onlineArchive: boolean;
  rights: ('read' | 'export' | 'restore')[];
}

export interface Address {
  name?: string;
  address?: string;
}

export interface Highlight {
  start: number;
  end: number;
}

export interface SearchHit {
  id: string;
  archiveId: string;
  subject: string;
  from: Address;
  date: string;
  folder: string;
  size: number;
  hasAttachments: boolean;
  snippet: string;
  highlights: Highlight[];
  /** The words of the subject the query looks for. */
  subjectHighlights?: Highlight[];
}

export interface SearchPage {
  value: SearchHit[];
  total: number;
  totalIsEstimate: boolean;
  nextCursor: string | null;
}

export interface SearchParams {
  q: string;
  archive: string;
  cursor?: string;
  limit?: number;
  sort?: 'date' | 'relevance';
}

export interface FacetCount<T> {
  value: T;
  count: number;
}

/** GET /search/facets: counts of a search's results (senders among the newest `sendersSampled`). */
export interface Facets {
  total: number;
  folders: FacetCount<string>[];
  years: FacetCount<number>[];
  hasAttachment: number;
  senders: (FacetCount<string> & { name: string })[];
  sendersSampled: number;
}

/** GET /messages/:id/conversation: the thread, oldest first. */
export interface Conversation {
  value: SearchHit[];
  more: boolean;
}

export interface AttachmentInfo {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  contentId: string | null;
  /** What an attached message holds: listed, found by `filename:`, downloaded with the message. */
  attachments?: NestedAttachment[];
}

export interface NestedAttachment {
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  attachments?: NestedAttachment[];
}

export interface MessageDetail {
  id: string;
  archiveId: string;
  folder: string;
  receivedAt: string;
  size: number;
  sha256: string;
  headers: {
    from: Address[];
    to: Address[];
    cc: Address[];
    bcc: Address[];
    replyTo: Address[];
    date: string | null;
    /** `date` is not the Date header (missing or unreadable) but the first server's Received date. */
    dateInferred?: boolean;
    subject: string;
    messageId: string | null;
  };
  attachments: AttachmentInfo[];
  text: string;
  /** Sanitised by the backend; null when the message has no HTML body. */
  html: string | null;
  /** Remote images and styles the sanitiser left out; the view shows them on request. */
  blockedRemote: number;
  /** Some text of the message is not searchable; `textCuts` says what. */
  textTruncated?: boolean;
  textCuts?: string[];
  parseErrors: string[];
}

export interface QueryHelpEntry {
  operator: string;
  example: string;
  description: string;
}

/** Public settings the backend serves at /addin/config.json. */
export interface ClientSettings {
  authority: string;
  clientId: string;
  apiScope: string;
}

/** Whether a message is under a legal hold the caller may know of (GET /messages/:id/hold). */
export interface HoldStatus {
  held: boolean;
  holds: { name: string; since: string; until: string | null }[];
}

/** Where a restore goes: a well-known folder of the mailbox, or a folder path of the online archive. */
export type RestoreTarget = { folder: string } | { onlineArchive: true; folderPath: string };
