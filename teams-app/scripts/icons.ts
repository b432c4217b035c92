/**
 * Draws the Teams app icons once (`npx tsx teams-app/scripts/icons.ts`); the PNGs are committed.
 * Teams wants a 192×192 full-colour icon and a 32×32 white outline on transparency.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
/** A shape in unit coordinates (0..1 across the icon): is the point inside? */
type Shape = (x: number, y: number) => boolean;

const BRAND: Rgba = [0x2f, 0x5c, 0x9a, 255];
const WHITE: Rgba = [255, 255, 255, 255];

const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const union = (...s: Shape[]): Shape => (x, y) => s.some((f) => f(x, y));
const minus = (a: Shape, b: Shape): Shape => (x, y) => a(x, y) && !b(x, y);

/** An archive box: a lid, a body and a handle slot. */
function archiveBox(inset: number, stroke: number | null): Shape {
  const k = (v: number) => inset + v * (1 - 2 * inset);
  const lid = rect(k(0.05), k(0.12), k(0.95), k(0.34));
  const body = rect(k(0.12), k(0.38), k(0.88), k(0.9));
  const slot = rect(k(0.36), k(0.5), k(0.64), k(0.6));
  if (stroke === null) return minus(union(lid, body), slot);
  const s = stroke;
  const hollow = (x0: number, y0: number, x1: number, y1: number) => minus(rect(k(x0), k(y0), k(x1), k(y1)), rect(k(x0) + s, k(y0) + s, k(x1) - s, k(y1) - s));
  return union(hollow(0.05, 0.12, 0.95, 0.34), hollow(0.12, 0.38, 0.88, 0.9), rect(k(0.36), k(0.52), k(0.64), k(0.52) + s));
}

/** Renders with 4×4 supersampling so edges are smooth at 32 px too. */
function render(size: number, background: Rgba | null, shape: Shape, ink: Rgba): Buffer {
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (shape((px + (sx + 0.5) / 4) / size, (py + (sy + 0.5) / 4) / size)) hits++;
      const a = hits / 16;
      const base = background ?? [ink[0], ink[1], ink[2], 0];
      const mix = (i: number) => Math.round(base[i]! * (1 - a) + ink[i]! * a);
      const alpha = background ? 255 : Math.round(255 * a);
      row.set([mix(0), mix(1), mix(2), alpha], 1 + px * 4);
    }
    rows.push(row);
  }
  return png(size, size, Buffer.concat(rows));
}

function png(width: number, height: number, scanlines: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = path.resolve(import.meta.dirname, '..');
await writeFile(path.join(dir, 'color.png'), render(192, BRAND, archiveBox(0.2, null), WHITE));
await writeFile(path.join(dir, 'outline.png'), render(32, null, archiveBox(0.06, 2.2 / 32), WHITE));
process.stdout.write(`wrote ${dir}/color.png and outline.png\n`);
