/** What the parser hands the extraction workers. */
export type DocKind = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'odf';

/** Attachment bytes: in memory when small, else a spill file the parser owns and removes. */
export type Source = { bytes: Uint8Array } | { path: string };

export interface ExtractRequest {
  kind: DocKind;
  source: Source;
  maxChars: number;
}
