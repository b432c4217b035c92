// What the reader's frame lays out, in Chromium: a message cannot put boxes over its own text, and
// a 2 MB single line (CJK, the costliest to break into lines) lays out in seconds, not half a minute.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { Page } from 'playwright-core';
import { renderMessage } from '../../backend/src/retrieval/render';
import { viewDocument, type MessageView } from '../../backend/src/retrieval/view';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser';
import { htmlMessage } from '../fixtures/hostile/shapes';

const skip = browserMissing() ?? false;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  browser = await launchBrowser({ viewport: { width: 800, height: 600 } });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});
after(async () => browser?.close());

/** The frame's document for `mail`, rendered as the view renders it (render worker, sanitiser). */
async function frameFor(mail: Buffer, text = ''): Promise<string> {
  const { html } = await renderMessage(() => Readable.from([mail]), { cidUrls: {}, allowRemote: false });
  return viewDocument({ headers: { subject: 'test' }, html, text } as MessageView);
}

/** Loads the document and waits for its layout; the milliseconds it took. */
async function layOut(doc: string): Promise<number> {
  const started = performance.now();
  await page.setContent(doc, { timeout: 120_000 });
  await page.evaluate(() => document.body.getBoundingClientRect().height);
  return performance.now() - started;
}

describe('the message frame in Chromium', { skip }, () => {
  test('boxes positioned over the message (absolute, fixed, sticky) do not cover its text', async () => {
    const overlay = (how: string) => `<div style="position:${how};top:0;left:0;width:100%;height:100%;background:white;z-index:99">Your mailbox is full, sign in here</div>`;
    const mail = htmlMessage('overlay', `<style>.o{position:fixed;inset:0;background:white}</style><p id="real">The real text of the message</p>${overlay('absolute')}${overlay('fixed')}${overlay('sticky')}<div class="o">cover</div>`);
    await layOut(await frameFor(mail));
    const onTop = await page.evaluate(() => {
      const box = document.getElementById('real')!.getBoundingClientRect();
      return document.elementFromPoint(box.left + 5, box.top + box.height / 2)?.id;
    });
    assert.equal(onTop, 'real', 'the message text is what the reader sees and clicks');
  });

  test('a 2 MB single line of CJK text lays out in seconds, as HTML and as plain text', async () => {
    const line = '漢字かなカナ'.repeat(115_000); // 690 000 characters, 2 MB as UTF-8
    const html = await layOut(await frameFor(htmlMessage('one line', `<p>${line}</p>`)));
    const plain = await layOut(viewDocument({ headers: { subject: 'plain' }, html: null, text: line } as MessageView));
    // Before long runs were broken up, each took Chromium some 30 s.
    assert.ok(html < 15_000 && plain < 15_000, `HTML ${Math.round(html)} ms, plain text ${Math.round(plain)} ms`);
  });
});
