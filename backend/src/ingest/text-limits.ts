/**
 * How much text of one message is kept and indexed: all of it up to these caps (settings
 * INDEX_MAX_BODY_CHARS and INDEX_MAX_ATTACHMENT_CHARS). A message cut by them says so
 * (`textCuts`, shown in the reading pane); they keep a message document below MongoDB's 16 MB
 * (three bytes per character at worst, body and attachments together).
 */
export interface TextLimits {
  /** Characters of body text, every alternative together. */
  maxBodyChars: number;
  /** Characters of all attachments' text together. */
  maxAttachmentTextChars: number;
}

export const DEFAULT_TEXT_LIMITS: TextLimits = { maxBodyChars: 1024 * 1024, maxAttachmentTextChars: 2 * 1024 * 1024 };
/** Body and attachment text together: 4 M characters are at most 12 MB of UTF-8. */
export const MAX_TEXT_CHARS = 4 * 1024 * 1024;

let current: TextLimits = { ...DEFAULT_TEXT_LIMITS };

export function textLimits(): TextLimits {
  return current;
}

/** Set once at start from the configuration. */
export function setTextLimits(limits: Partial<TextLimits>): void {
  const next = { ...current, ...limits };
  if (!(next.maxBodyChars >= 0 && next.maxAttachmentTextChars >= 0) || next.maxBodyChars + next.maxAttachmentTextChars > MAX_TEXT_CHARS) {
    throw new RangeError(`text limits must be positive and add up to at most ${MAX_TEXT_CHARS} characters`);
  }
  current = next;
}
