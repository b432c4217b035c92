// Property-based: whatever a search box receives, the query parser answers a query or a syntax
// error that points inside the input, never anything else, and within its time budget at the
// longest query it accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeQuery, MAX_QUERY_LENGTH, parseQuery, QuerySyntaxError, type Query } from '../../backend/src/search/query';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261204);
const BUDGET_MS = 500;

const piece = fc.oneof(
  fc.constantFrom(
    'from:', 'to:', 'subject:', 'body:', 'filename:', 'folder:', 'has:attachment', 'has:', 'before:', 'after:', 'size>', 'size<',
    '2024-02-30', '2024-01-01', '10MB', '(', ')', '"', '-', 'OR', 'or', '*', 'a*', 'report.pdf', 'alice@contoso.com', ' ', '  ',
    '\\', ':', '漢字', 'ü', '&', '!!!', '\u0000', '\t', '\n', 'Inbox/Projects', '((((', '))))', '----',
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 8, unit: 'binary' }),
);
const query = fc.array(piece, { maxLength: 40 }).map((ps) => ps.join(''));

/** A query, or the syntax error a search box can point at; anything else fails the property. */
function parseOrExplain(input: string): Query | QuerySyntaxError {
  try {
    return parseQuery(input);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
}

test('any input parses to a query or to a syntax error positioned inside it', () => {
  fc.assert(
    fc.property(query, (input) => {
      const result = parseOrExplain(input);
      if (result instanceof QuerySyntaxError) {
        assert.ok(result.position >= 0 && result.position <= input.length, `position ${result.position} of ${input.length}`);
        assert.ok(result.message.length > 0);
      } else {
        assert.equal(typeof describeQuery(result), 'string');
      }
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('any input repeated to the longest query accepted parses within the budget', () => {
  fc.assert(
    fc.property(query.filter((q) => q.length > 0), (fragment) => {
      const input = fragment.repeat(Math.ceil(MAX_QUERY_LENGTH / fragment.length)).slice(0, MAX_QUERY_LENGTH);
      const started = performance.now();
      parseOrExplain(input);
      const ms = performance.now() - started;
      assert.ok(ms < BUDGET_MS, `${Math.round(ms)} ms for ${JSON.stringify(fragment.slice(0, 60))} repeated`);
    }),
    { seed: SEED, numRuns: 200 },
  );
});
