export type RecipientType = 'to' | 'cc' | 'bcc' | 'recipient';

export interface JournalRecipient {
  /** The journaled recipient's SMTP address as Exchange wrote it (brackets and display name removed). */
  address: string;
  /**
   * How the sender addressed this recipient. `recipient` means Exchange could not tell
   * (anonymous or cross-premises submission), so it may have been a Bcc.
   */
  type: RecipientType;
  /** The distribution group this member was expanded from (`, Expanded: dl`). */
  expandedFrom?: string;
  /** The recipient the sender addressed, redirected here by forwarding or an alternate recipient (`, Forwarded: x`). */
  forwardedFrom?: string;
}

export interface JournalEnvelope {
  /** SMTP reverse-path; empty for the null sender `<>` (bounces, system messages). */
  sender: string;
  subject: string;
  /** As written in the envelope, angle brackets included. */
  messageId: string;
  onBehalfOf?: string;
  recipients: JournalRecipient[];
  /**
   * Every distinct participant address, lower-case: sender, on-behalf-of, every recipient and
   * every `Forwarded:` source (the person the sender addressed). Distribution groups
   * (`Expanded:` sources) are not participants: their members are listed on their own lines.
   */
  participants: string[];
}

/**
 * Where the original message is. Offsets into the raw report when the rfc822 part carries it
 * unencoded (binary, 7bit, 8bit: what Exchange sends), so the archive stores Exchange's bytes
 * without re-serialising. A gateway that re-encoded the part (base64, quoted-printable) leaves
 * no such bytes in the report: then the transfer-decoded bytes are returned instead.
 */
export type OriginalLocation = { start: number; end: number } | { bytes: Buffer };

export type JournalParse =
  | { kind: 'journal'; envelope: JournalEnvelope; original: OriginalLocation; warnings: string[] }
  | { kind: 'not-journal'; reason: string }
  | { kind: 'malformed'; reason: string; envelope?: Partial<JournalEnvelope> };
