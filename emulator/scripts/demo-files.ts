/**
 * Makes the demo tenant's attachments with real producers (docx, exceljs, pdfkit), once; the
 * outputs are committed beside the seed (emulator/src/tenant/demo/files), so the demo is the same
 * bytes on every clone and its seeding costs nothing:
 *   npx tsx emulator/scripts/demo-files.ts
 * Every file holds a word that appears nowhere in the demo's message bodies (DEMO_FILE_WORDS), so
 * a search for it shows attachment search at work.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { DEMO_FILE_WORDS as W } from '../src/tenant/demo/files';

const DIR = fileURLToPath(new URL('../src/tenant/demo/files/', import.meta.url));
const out = (name: string) => join(DIR, name);
/** Fixed document dates: the files' bytes must not depend on when they were made. */
const MADE = new Date('2026-01-05T09:00:00Z');

async function launchPlan(): Promise<void> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const doc = new Document({
    creator: 'Megan Bowen',
    title: 'Falcon launch plan',
    sections: [{
      children: [
        new Paragraph({ text: 'Project Falcon: launch plan', heading: HeadingLevel.HEADING_1 }),
        new Paragraph({ children: [new TextRun('Codename '), new TextRun({ text: W.launchPlan, bold: true }), new TextRun(' goes public in three waves: press, partners, customers.')] }),
        new Table({ rows: [
          new TableRow({ children: [cell('Wave'), cell('Owner'), cell('Week')] }),
          new TableRow({ children: [cell('Press briefing'), cell('Alex Wilber'), cell('1')] }),
          new TableRow({ children: [cell('Partner webinar'), cell('Megan Bowen'), cell('2')] }),
          new TableRow({ children: [cell('Customer launch'), cell('Lee Gu'), cell('4')] }),
        ] }),
      ],
    }],
  });
  const buf = await Packer.toBuffer(doc);
  writeFileSync(out('Falcon-launch-plan.docx'), await fixZipDates(buf));
}

async function budget(): Promise<void> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Lee Gu';
  book.created = MADE;
  book.modified = MADE;
  const sheet = book.addWorksheet('Q3 budget');
  sheet.addRows([
    ['Line', 'EUR'],
    ['Tooling', 48_000],
    [`${W.budget} packaging`, 12_500],
    ['Freight', 9_300],
    ['Trade fair stand', 21_000],
  ]);
  const plan = book.addWorksheet('Lieferplan');
  plan.addRows([['Woche', 'Menge', 'Lieferant'], [36, 1200, 'Fabrikam GmbH'], [38, 2400, `${W.budgetSheet2} Logistik`]]);
  writeFileSync(out('Budget-2026-Q3.xlsx'), await fixZipDates(Buffer.from(await book.xlsx.writeBuffer())));
}

function pdf(name: string, title: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ info: { Title: title, Author: 'Fabrikam Inc.', CreationDate: MADE, ModDate: MADE } });
    const file = createWriteStream(out(name));
    doc.pipe(file);
    doc.fontSize(18).text(title);
    doc.moveDown().fontSize(11);
    for (const line of lines) doc.text(line).moveDown(0.5);
    doc.end();
    file.on('finish', resolve);
    file.on('error', reject);
  });
}

/**
 * docx and exceljs stamp each zip entry with the time of writing; rewrite those stamps (local
 * headers and central directory) to a fixed one, so that a regeneration changes nothing.
 */
async function fixZipDates(zip: Buffer): Promise<Buffer> {
  const out = Buffer.from(zip);
  const dosTime = 9 << 11;
  const dosDate = ((2026 - 1980) << 9) | (1 << 5) | 5;
  const eocd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = out.readUInt16LE(eocd + 10);
  let p = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    out.writeUInt16LE(dosTime, p + 12);
    out.writeUInt16LE(dosDate, p + 14);
    const local = out.readUInt32LE(p + 42);
    out.writeUInt16LE(dosTime, local + 10);
    out.writeUInt16LE(dosDate, local + 12);
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}

await launchPlan();
await budget();
await pdf('Invoice-INV-2026-0117.pdf', 'Fabrikam Inc. - Invoice INV-2026-0117', [
  'Bill to: Contoso Ltd., Accounts Payable',
  `Consulting services, ${W.invoice} migration workshop (3 days): 4,800.00 EUR`,
  'Travel expenses: 612.40 EUR',
  'Total due within 30 days: 5,412.40 EUR',
]);
await pdf('Travel-policy-2026.pdf', 'Contoso travel policy 2026', [
  'Book flights through the travel desk at least 14 days ahead.',
  `Rail is preferred for trips under 600 km; the ${W.policy} allowance covers meals abroad.`,
  'Receipts are kept for seven years.',
]);
console.warn('demo files written to', DIR);
