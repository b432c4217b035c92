import { decompressRTF } from '@kenjiuno/decompressrtf';
import iconv from 'iconv-lite';
import { deEncapsulateSync } from 'rtf-stream-parser';

/**
 * The HTML or text an RTF body carries. Outlook often stores a message's HTML only inside its RTF
 * ("encapsulated", MS-OXRTFEX); that is given back exactly. A genuine RTF document is not
 * rendered: null, and the caller records the loss.
 */
export function bodyFromRtf(rtf: Buffer | string): { html: string } | { text: string } | null {
  try {
    const result = deEncapsulateSync(rtf, {
      mode: 'either',
      decode: (buf: Buffer, enc: string) => iconv.decode(buf, enc),
      encode: (str: string, enc: string) => iconv.encode(str, enc),
      warn: () => undefined,
    });
    const text = typeof result.text === 'string' ? result.text : result.text.toString('utf8');
    return result.mode === 'html' ? { html: text } : { text };
  } catch {
    return null;
  }
}

/** PidTagRtfCompressed (MS-OXRTFCP) to RTF bytes. */
export function decompressedRtf(compressed: Uint8Array): Buffer {
  return Buffer.from(decompressRTF([...compressed]));
}
