/**
 * Renders addin/public/assets/icon.svg into the PNG sizes the manifest names (16, 32, 64, 80, 128),
 * with Debian's Chromium. Run after changing the SVG: `npx tsx addin/scripts/make-icons.ts`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public/assets');
const svg = await readFile(path.join(assets, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const size of [16, 32, 64, 80, 128]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
    await page.screenshot({ path: path.join(assets, `icon-${size}.png`), omitBackground: true });
    await page.close();
  }
  console.log(`wrote icons into ${assets}`);
} finally {
  await browser.close();
}
