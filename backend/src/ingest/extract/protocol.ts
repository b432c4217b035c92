/** What the parser hands the extraction workers, and what they answer. */
export type DocKind = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'odf';

/** Attachment bytes: in memory when small, else a spill file the parser owns and removes. */
export type Source = { bytes: Uint8Array } | { path: string };

export interface ExtractRequest {
  id: number;
  kind: DocKind;
  source: Source;
  maxChars: number;
}

export type ExtractReply = { id: number; ok: true; text: string; warning?: string } | { id: number; ok: false; error: string };
