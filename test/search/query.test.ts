import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageIdOf } from '../../backend/src/search/message-id';
import { MAX_QUERY_LENGTH, QuerySyntaxError, describeQuery, parseQuery, queryHelp } from '../../backend/src/search/query';
import type { Field, Query } from '../../backend/src/search/query';

const term = (value: string, field: Field | 'any' = 'any'): Query => ({ kind: 'term', field, value, prefix: false });

function syntaxError(input: string): { message: string; position: number } {
  try {
    parseQuery(input);
  } catch (err) {
    assert.ok(err instanceof QuerySyntaxError, `expected a QuerySyntaxError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_query');
    return { message: err.message, position: err.position };
  }
  assert.fail(`expected ${JSON.stringify(input)} to be rejected`);
}

test('an empty query matches everything', () => {
  assert.deepEqual(parseQuery(''), { kind: 'all' });
  assert.deepEqual(parseQuery('   \t'), { kind: 'all' });
});

test('words must all match, normalised', () => {
  assert.deepEqual(parseQuery('Café  BUDGET'), { kind: 'and', items: [term('cafe'), term('budget')] });
  assert.deepEqual(parseQuery('straße'), term('strasse'));
});

test('quotes make an exact phrase', () => {
  assert.deepEqual(parseQuery('"Quarterly Budget"'), {
    kind: 'phrase',
    field: 'any',
    terms: ['quarterly', 'budget'],
    raw: 'Quarterly Budget',
  });
  assert.equal(describeQuery(parseQuery('“smart quotes” pasted')), '"smart quotes" pasted');
});

test('OR binds tighter than the implicit AND', () => {
  assert.deepEqual(parseQuery('a b OR c'), { kind: 'and', items: [term('a'), { kind: 'or', items: [term('b'), term('c')] }] });
  assert.deepEqual(parseQuery('a OR b c'), { kind: 'and', items: [{ kind: 'or', items: [term('a'), term('b')] }, term('c')] });
  assert.deepEqual(parseQuery('a OR b OR c'), { kind: 'or', items: [term('a'), term('b'), term('c')] });
});

test('parentheses group', () => {
  assert.deepEqual(parseQuery('(a b) OR c'), {
    kind: 'or',
    items: [{ kind: 'and', items: [term('a'), term('b')] }, term('c')],
  });
  assert.deepEqual(parseQuery('((a))'), term('a'));
});

test('only upper-case OR is an operator', () => {
  assert.deepEqual(parseQuery('this or that'), { kind: 'and', items: [term('this'), term('or'), term('that')] });
});

test('a minus excludes a word, a phrase, an operator or a group', () => {
  assert.deepEqual(parseQuery('budget -draft'), { kind: 'and', items: [term('budget'), { kind: 'not', item: term('draft') }] });
  assert.equal(describeQuery(parseQuery('-"weekly digest"')), '-"weekly digest"');
  assert.deepEqual(parseQuery('-from:noreply@contoso.com'), { kind: 'not', item: term('noreply@contoso.com', 'from') });
  assert.equal(describeQuery(parseQuery('-(a OR b) c')), '-(a OR b) c');
  assert.deepEqual(parseQuery('--a'), term('a'));
});

test('a query of only exclusions means everything except those', () => {
  assert.deepEqual(parseQuery('-newsletter -has:attachment'), {
    kind: 'and',
    items: [{ kind: 'not', item: term('newsletter') }, { kind: 'not', item: { kind: 'hasAttachment' } }],
  });
});

test('a hyphen inside a word is part of the word', () => {
  assert.deepEqual(parseQuery('e-mail'), term('e-mail'));
});

test('from: takes a name, an address, a domain or a quoted name', () => {
  assert.deepEqual(parseQuery('from:Alice'), term('alice', 'from'));
  assert.deepEqual(parseQuery('from:John.Smith@Contoso.com'), term('john.smith@contoso.com', 'from'));
  assert.deepEqual(parseQuery('from:@contoso.com'), term('contoso.com', 'from'));
  assert.deepEqual(parseQuery('from:"John Smith"'), { kind: 'phrase', field: 'from', terms: ['john', 'smith'], raw: 'John Smith' });
  assert.deepEqual(parseQuery('FROM:alice'), term('alice', 'from'));
});

test('a field applies to every word of a group', () => {
  assert.deepEqual(parseQuery('from:(alice OR bob) budget'), {
    kind: 'and',
    items: [{ kind: 'or', items: [term('alice', 'from'), term('bob', 'from')] }, term('budget')],
  });
});

test('to:, subject:, body: and filename: restrict words to their field', () => {
  assert.deepEqual(parseQuery('to:bob subject:Budget body:deadline filename:Report.PDF'), {
    kind: 'and',
    items: [term('bob', 'to'), term('budget', 'subject'), term('deadline', 'body'), term('report.pdf', 'filename')],
  });
  assert.deepEqual(parseQuery('subject:"Q3 results"'), { kind: 'phrase', field: 'subject', terms: ['q3', 'results'], raw: 'Q3 results' });
});

test('an operator value is never read as an operator', () => {
  assert.deepEqual(parseQuery('subject:OR'), term('or', 'subject'));
  assert.deepEqual(parseQuery('subject:-draft'), term('draft', 'subject'));
});

test('has:attachment, with or without s', () => {
  assert.deepEqual(parseQuery('has:attachment'), { kind: 'hasAttachment' });
  assert.deepEqual(parseQuery('has:Attachments'), { kind: 'hasAttachment' });
});

test('folder: takes a path or a quoted name', () => {
  assert.deepEqual(parseQuery('folder:Inbox/Projects'), { kind: 'folder', path: 'Inbox/Projects' });
  assert.deepEqual(parseQuery('folder:"Sent Items"'), { kind: 'folder', path: 'Sent Items' });
  assert.deepEqual(parseQuery('folder:"/Inbox/ Projects /"'), { kind: 'folder', path: 'Inbox/Projects' });
});

test('after: and before: take UTC dates or ISO date-times', () => {
  assert.deepEqual(parseQuery('after:2024-01-31 before:2024-02-01'), {
    kind: 'and',
    items: [
      { kind: 'date', op: 'after', date: new Date('2024-01-31T00:00:00Z') },
      { kind: 'date', op: 'before', date: new Date('2024-02-01T00:00:00Z') },
    ],
  });
  assert.deepEqual(parseQuery('after:2024-01-31T09:30'), { kind: 'date', op: 'after', date: new Date('2024-01-31T09:30:00Z') });
  assert.deepEqual(parseQuery('before:2024-01-31T09:30:15.5+02:00'), {
    kind: 'date',
    op: 'before',
    date: new Date('2024-01-31T07:30:15.500Z'),
  });
  assert.deepEqual(parseQuery('after:2024-02-29'), { kind: 'date', op: 'after', date: new Date('2024-02-29T00:00:00Z') });
});

test('size> and size< take bytes, KB, MB or GB', () => {
  assert.deepEqual(parseQuery('size>5MB'), { kind: 'size', op: '>', bytes: 5 * 1024 * 1024 });
  assert.deepEqual(parseQuery('size<100kb'), { kind: 'size', op: '<', bytes: 100 * 1024 });
  assert.deepEqual(parseQuery('size>1.5GB'), { kind: 'size', op: '>', bytes: 1.5 * 1024 ** 3 });
  assert.deepEqual(parseQuery('size>2000'), { kind: 'size', op: '>', bytes: 2000 });
});

test('a trailing * searches by prefix', () => {
  assert.deepEqual(parseQuery('Invoic*'), { kind: 'term', field: 'any', value: 'invoic', prefix: true });
  assert.deepEqual(parseQuery('from:joh*'), { kind: 'term', field: 'from', value: 'joh', prefix: true });
  assert.deepEqual(parseQuery('john.sm*'), { kind: 'term', field: 'any', value: 'john.sm', prefix: true });
});

test('words that split into several tokens become phrases', () => {
  assert.deepEqual(parseQuery('foo/bar'), { kind: 'phrase', field: 'any', terms: ['foo', 'bar'], raw: 'foo/bar' });
  assert.deepEqual(parseQuery('東京都'), { kind: 'phrase', field: 'any', terms: ['東', '京', '都'], raw: '東京都' });
  assert.deepEqual(parseQuery('re:budget'), { kind: 'phrase', field: 'any', terms: ['re', 'budget'], raw: 're:budget' });
});

test('words with nothing searchable are dropped', () => {
  assert.deepEqual(parseQuery('invoice & receipt'), { kind: 'and', items: [term('invoice'), term('receipt')] });
  assert.deepEqual(parseQuery('a OR !!'), term('a'));
});

test('malformed input is reported with what is wrong and where', () => {
  const cases: [string, string, number][] = [
    ['budget 2024 "q3', 'Unclosed quote at position 12', 12],
    ['form:john', "Unknown operator 'form:'. Did you mean 'from:'?", 0],
    ['budget subjet:q3', "Unknown operator 'subjet:'. Did you mean 'subject:'?", 7],
    ['cc:bob', "Unknown operator 'cc:'. Did you mean 'to:', which covers To, Cc and Bcc?", 0],
    ['in:inbox', "Unknown operator 'in:'. Did you mean 'folder:'?", 0],
    ['file:report.pdf', "Unknown operator 'file:'. Did you mean 'filename:'?", 0],
    ['from:(alice', 'Unclosed parenthesis at position 5', 5],
    ['before:2024-13-01', "Invalid date '2024-13-01' for before: (use YYYY-MM-DD)", 7],
    ['after:2023-02-29', "Invalid date '2023-02-29' for after: (use YYYY-MM-DD)", 6],
    ['after:yesterday', "Invalid date 'yesterday' for after: (use YYYY-MM-DD)", 6],
    ['size>big', 'size> needs a number with optional KB/MB, e.g. size>5MB', 5],
    ['size<', 'size< needs a number with optional KB/MB, e.g. size<5MB', 0],
    ['from: alice', 'from: needs a value right after the colon, e.g. from:alice@contoso.com', 0],
    ['has:pdf', "Unknown value 'pdf' for has: (use has:attachment)", 4],
    ['folder:/', 'folder: needs a folder name, e.g. folder:"Sent Items"', 7],
    ['a OR', 'OR at position 2 needs a search term on both sides', 2],
    ['OR a', 'OR at position 0 needs a search term on both sides', 0],
    ['a OR OR b', 'OR at position 2 needs a search term on both sides', 2],
    ['(a OR b', 'Unclosed parenthesis at position 0', 0],
    ['a b)', "Unexpected ')' at position 3", 3],
    ['x ()', 'Empty parentheses at position 2', 2],
    ['""', 'Empty quotes at position 0', 0],
    ['"?!"', 'Nothing searchable inside the quotes at position 0', 0],
    ['a*', "'a*' is too short: type at least 2 characters before *", 0],
    ['x in*voice', '* only works at the end of a word, e.g. invoic* (position 4)', 4],
    ['foo/ba*', "* works on a single word, and 'foo/ba*' is several", 0],
    ['!!!', 'Nothing to search for: add a word, a "phrase" or an operator such as from:', 0],
    ['from:!!', "Nothing searchable in 'from:!!'", 0],
  ];
  for (const [input, message, position] of cases) {
    assert.deepEqual(syntaxError(input), { message, position }, input);
  }
});

test('text that only looks like an operator stays text', () => {
  assert.equal(describeQuery(parseQuery('note:buy https://contoso.com/a 10:30')), '"note buy" "contoso com a" 10:30');
});

test('overlong and deeply nested queries are refused', () => {
  assert.equal(syntaxError('a'.repeat(MAX_QUERY_LENGTH + 1)).position, MAX_QUERY_LENGTH);
  assert.match(syntaxError(`${'('.repeat(25)}a${')'.repeat(25)}`).message, /Too many nested parentheses/);
  assert.deepEqual(parseQuery('a '.repeat(MAX_QUERY_LENGTH / 2)), term('a'));
});

test('describeQuery is canonical and parses back to the same query', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['Budget  Review', 'budget review'],
    ['a b OR c', 'a b OR c'],
    ['(a b) OR c', '(a b) OR c'],
    ['-(a OR b) -c', '-(a OR b) -c'],
    ['from:(alice OR bob)', 'from:alice OR from:bob'],
    ['from:"John Smith" to:BOB@contoso.com', 'from:"john smith" to:bob@contoso.com'],
    ['has:attachments folder:"Sent Items" folder:Inbox/Projects', 'has:attachment folder:"Sent Items" folder:Inbox/Projects'],
    ['after:2024-01-31 before:2024-02-01T10:00:00+02:00', 'after:2024-01-31 before:2024-02-01T08:00:00.000Z'],
    ['size>5MB size<100KB size>1.5mb size>1000', 'size>5MB size<100KB size>1536KB size>1000'],
    ['invoic* filename:Report.pdf', 'invoic* filename:report.pdf'],
    ['東京都 東京', '"東京都" 東京'],
  ];
  for (const [input, canonical] of cases) {
    const q = parseQuery(input);
    assert.equal(describeQuery(q), canonical, input);
    assert.equal(describeQuery(parseQuery(canonical)), canonical, canonical);
  }
});

test('every operator in the help has an example that parses', () => {
  assert.ok(queryHelp.length >= 15);
  for (const { operator, example, description } of queryHelp) {
    assert.ok(description.length > 0, operator);
    if (operator === 'messageid:') assert.equal(messageIdOf(example), '1234@example.com');
    else assert.notEqual(parseQuery(example).kind, 'all', example);
  }
  const operators = queryHelp.map((h) => h.operator);
  for (const op of ['from:', 'to:', 'subject:', 'body:', 'filename:', 'folder:', 'has:attachment', 'after:', 'before:', 'size>', 'size<', 'OR', '-', '*']) {
    assert.ok(operators.includes(op), op);
  }
});

test('a Message-ID is asked for with messageid: or pasted alone in angle brackets, and stands alone', () => {
  assert.equal(messageIdOf('messageid:<a.1@fabrikam.example>'), 'a.1@fabrikam.example');
  assert.equal(messageIdOf('  <a.1@fabrikam.example> '), 'a.1@fabrikam.example');
  assert.equal(messageIdOf('MessageId:a.1@fabrikam.example'), 'a.1@fabrikam.example');
  assert.equal(messageIdOf('budget review'), null);
  assert.equal(messageIdOf('<budget>'), null, 'angle brackets around a plain word are not a Message-ID');
  assert.throws(() => messageIdOf('budget messageid:<a.1@fabrikam.example>'), (e: QuerySyntaxError) => e.position === 7 && /used on its own/.test(e.message));
});
