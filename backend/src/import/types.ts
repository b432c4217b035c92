import type { Readable } from 'node:stream';

/**
 * What every import source yields, in a fixed order: messages and per-item failures. `cursor`
 * names the position right after the item; a source opened again with it continues there, so an
 * import resumes where it stopped (runner.ts checkpoints the cursor of the last item done).
 */
export type SourceEvent = SourceMessage | SourceFailure | SourceTotals;

export interface SourceMessage {
  kind: 'message';
  cursor: string;
  /** Archive folder path ('Inbox/Projects'); '' for the archive's top. */
  folder: string;
  /** Where it was found, for notes and errors: 'old.pst › Inbox › item 12', 'mail.mbox @ 1043'. */
  where: string;
  /** The message's bytes: byte-exact for mbox, Maildir, .eml and IMAP; converted MIME for PST and MSG. */
  content: Buffer | (() => Readable);
  /** Bytes of the source consumed so far (for progress), when the source knows it. */
  bytesRead?: number;
  receivedAt?: Date;
  /** What a conversion could not carry over (PST, MSG), recorded per item. */
  lost?: string[];
}

export interface SourceFailure {
  kind: 'failure';
  cursor: string;
  folder: string;
  where: string;
  code: string;
  message: string;
  bytesRead?: number;
}

/**
 * What the source learnt of its size, as soon as it knows (progress and time left): of the whole
 * source ('all': a file's size, a PST's items), or more to come ('more': an IMAP folder's).
 */
export interface SourceTotals {
  kind: 'totals';
  scope?: 'all' | 'more';
  bytes?: number;
  messages?: number;
}

export interface ImportSource {
  /** Shown to people: file name, folder or IMAP account. */
  readonly label: string;
  /** Everything after `cursor` (from the start without one). */
  events(cursor: string | null, signal: AbortSignal): AsyncIterable<SourceEvent>;
}

/**
 * A problem with the input that stops a whole source (or one file of a folder): a clear code,
 * the file and, where known, the item. The import records it and goes on with what it can read.
 */
export class ImportInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'ImportInputError';
  }
}

/** Limits that keep a hostile or huge input from filling memory or disk. */
export interface ImportLimits {
  /** Largest single message (bytes). */
  maxMessageBytes: number;
  /** Most bytes a zip may expand to, all entries together. */
  maxZipBytes: number;
  /** Highest expansion ratio of a zip entry before it counts as a bomb. */
  maxZipRatio: number;
  /** Where nested containers (a PST inside a zip) are unpacked. */
  tmpDir: string;
}
