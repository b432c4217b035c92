import { open } from 'node:fs/promises';
import { TextBudget } from './budget';
import { docxText } from './docx';
import { odfText } from './odf';
import { pdfText } from './pdf';
import { pptxText } from './pptx';
import type { DocKind, Source } from './protocol';
import { xlsxText } from './xlsx';
import { Zip, type ZipLimits } from './zip';

/** Enough for the text budget of any real document; a bomb stops here in about two seconds. */
const ZIP_LIMITS: ZipLimits = { maxInflatedBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

const PACKAGES = { docx: docxText, xlsx: xlsxText, pptx: pptxText, odf: odfText };

export interface DocumentText {
  text: string;
  /** Why the text may be incomplete (a damaged part, the inflate cap). */
  warning?: string;
}

/**
 * The text of a PDF or office document, at most `maxChars`. CPU-heavy and trusting nothing: run
 * it in an extraction worker (pool.ts), which bounds its time and memory. Text read before a
 * failure is kept, with the failure as a warning.
 */
export async function extractDocument(kind: DocKind, source: Source, maxChars: number): Promise<DocumentText> {
  const out = new TextBudget(maxChars);
  try {
    if (kind === 'pdf') await pdfText(source, out);
    else await packageText(kind, source, out);
    return { text: out.text() };
  } catch (err) {
    const text = out.text();
    if (!text) throw err;
    return { text, warning: err instanceof Error ? err.message : String(err) };
  }
}

async function packageText(kind: keyof typeof PACKAGES, source: Source, out: TextBudget): Promise<void> {
  const magic = await head(source, 4);
  if (magic.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) throw new Error('an encrypted or legacy binary Office file, no text extracted');
  if (!magic.equals(Buffer.from('PK\x03\x04', 'latin1'))) throw new Error('not a zip package, no text extracted');
  const zip = await Zip.open(source, ZIP_LIMITS);
  try {
    await PACKAGES[kind](zip, out);
  } finally {
    zip.close();
  }
}

async function head(source: Source, n: number): Promise<Buffer> {
  if ('bytes' in source) return Buffer.from(source.bytes.subarray(0, n));
  const file = await open(source.path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await file.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
