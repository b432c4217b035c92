import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TextBudget } from './budget';
import type { Source } from './protocol';

const PDFJS_DIR = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** PDF text, page by page in reading order as the content streams give it. */
export async function pdfText(source: Source, out: TextBudget): Promise<{ pages: number }> {
  const data = 'path' in source ? new Uint8Array(await readFile(source.path)) : source.bytes;
  if (!isPdf(data)) throw new Error('not a PDF file (no %PDF- header)');
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    data,
    // Text only: no script evaluation (font programs compiled with eval, XFA), no fonts loaded,
    // nothing fetched but the bundled CMaps that map CJK glyphs to text.
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    isOffscreenCanvasSupported: false,
    cMapUrl: join(PDFJS_DIR, 'cmaps/'),
    cMapPacked: true,
    standardFontDataUrl: join(PDFJS_DIR, 'standard_fonts/'),
    verbosity: 0,
  });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      throw (err as Error)?.name === 'PasswordException' ? new Error('the PDF is password-protected, no text extracted') : err;
    });
    let pages = 0;
    for (let n = 1; n <= doc.numPages && !out.full; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if (!('str' in item)) continue;
        // pdf.js puts the spaces it infers from glyph gaps into the strings themselves.
        out.add(item.str);
        if (item.hasEOL) out.newline();
      }
      out.newline();
      page.cleanup();
      pages = n;
    }
    return { pages };
  } finally {
    await task.destroy();
  }
}

/** The header may follow up to 1 KB of junk, as readers allow. */
function isPdf(data: Uint8Array): boolean {
  return Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 1024)).includes('%PDF-');
}
