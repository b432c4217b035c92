import { readFileSync } from 'node:fs';

/** Words that occur only inside the demo's attachments (emulator/scripts/demo-files.ts writes them there). */
export const DEMO_FILE_WORDS = {
  launchPlan: 'Kestrelwing',
  budget: 'Tamariskon',
  budgetSheet2: 'Birkenfelder',
  invoice: 'Aldebaranic',
  policy: 'Ortolanum',
} as const;

export interface DemoFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

const TYPES: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

const cache = new Map<string, DemoFile>();

/** One of the committed demo attachments, read once per process. */
export function demoFile(filename: string): DemoFile {
  let file = cache.get(filename);
  if (!file) {
    const content = readFileSync(new URL(`./files/${filename}`, import.meta.url));
    file = { filename, contentType: TYPES[filename.split('.').pop()!] ?? 'application/octet-stream', content };
    cache.set(filename, file);
  }
  return file;
}
