import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortDate } from '../../addin/src/format';

test('result rows show the time today, weekday and time this week, the day before that', () => {
  const now = new Date(2026, 11, 5, 15, 0); // a Saturday afternoon, local time
  const at = (days: number, h: number, m: number) => new Date(2026, 11, 5 - days, h, m).toISOString();
  const time = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  const weekday = (iso: string) => new Date(iso).toLocaleDateString(undefined, { weekday: 'short' });

  assert.equal(shortDate(at(0, 9, 5), now), time(at(0, 9, 5)));
  for (const days of [1, 6]) {
    const shown = shortDate(at(days, 14, 30), now);
    assert.ok(shown.includes(weekday(at(days, 14, 30))) && shown.includes('30'), `${days} days ago: ${shown}`);
  }
  const older = shortDate(at(7, 14, 30), now);
  assert.ok(!older.includes(weekday(at(7, 14, 30))) && !older.includes(':'), `a week ago shows the day only: ${older}`);
});
