import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, RunOptions } from 'axe-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  resultTypes: ['violations'],
  // The reading pane's frame holds the sender's HTML in a sandbox without scripts: not our markup, and axe cannot run in it.
  iframes: false,
};

/**
 * Fluent UI's focus manager (Tabster) puts aria-hidden, focusable sentinels at the edges of focus
 * groups and dialogs; they hand focus on the moment they receive it and are never read out. axe's
 * aria-hidden-focus flags them by design, so they are left out of the check (and nothing else is).
 */
const EXCLUDE = { exclude: [['[data-tabster-dummy]']] };

/** Serious and critical WCAG / best-practice violations on the page as it stands, one line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Colours half-way through a fade-in (Fluent's dialogs, buttons) are no state a user reads: let finite animations end first.
  await page.evaluate(() =>
    Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => undefined))));
  // Evaluated through the DevTools protocol, which the pages' Content-Security-Policy (no inline scripts) does not govern.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const results = await page.evaluate(
    ([context, options]) => (window as unknown as { axe: { run(c: unknown, o: unknown): Promise<AxeResults> } }).axe.run(context, options),
    [EXCLUDE, OPTIONS] as const,
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${v.help} at ${n.target.join(' ')} (${n.failureSummary?.replace(/\s+/g, ' ')})`));
}

/** Fails with every serious or critical violation, named with the state of the page it was found in. */
export async function assertAccessible(page: Page, state: string): Promise<void> {
  assert.deepEqual(await accessibilityViolations(page), [], `accessibility of ${state}`);
}
