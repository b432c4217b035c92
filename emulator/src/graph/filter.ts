import { badRequest } from './errors';

type Value = string | number | boolean | null;
type Pred = (obj: Record<string, unknown>) => boolean;

export interface ParsedFilter {
  test: Pred;
  /** Properties used in ways only advanced queries support (ne, not, endswith, $count, null). */
  advancedOn: string[];
}

/**
 * The subset of OData $filter that directory objects support
 * (https://learn.microsoft.com/en-us/graph/filter-query-parameter): eq/ne/ge/le/gt/lt, in,
 * startswith/endswith, not/and/or, lambda any() over collections, and `collection/$count`.
 */
export function parseFilter(text: string, resource: string): ParsedFilter {
  const tokens = tokenize(text);
  const advancedOn: string[] = [];
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const fail = (prop?: string): never => {
    throw badRequest('Request_UnsupportedQuery', prop
      ? `Unsupported or invalid query filter clause specified for property '${prop}' of resource '${resource}'.`
      : 'Invalid filter clause');
  };
  const expect = (t: string) => {
    if (next()?.toLowerCase() !== t) fail();
  };

  const literal = (): Value => {
    const t = next();
    if (t === undefined) return fail();
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
    if (/^null$/i.test(t)) return null;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    return t;
  };

  const compare = (prop: string, op: string, value: Value, read: (o: Record<string, unknown>) => unknown): Pred => {
    if (op === 'ne' || value === null) advancedOn.push(prop);
    return (o) => cmp(read(o), op, value);
  };

  const primary = (scope?: { variable: string }): Pred => {
    const t = next();
    if (t === undefined) return fail();
    if (t === '(') {
      const inner = orExpr(scope);
      expect(')');
      return inner;
    }
    const lower = t.toLowerCase();
    if (lower === 'startswith' || lower === 'endswith') {
      expect('(');
      const prop = next() ?? fail();
      expect(',');
      const value = String(literal()).toLowerCase();
      expect(')');
      if (lower === 'endswith') advancedOn.push(prop);
      const read = reader(prop, scope);
      return (o) => {
        const v = String(read(o) ?? '').toLowerCase();
        return lower === 'startswith' ? v.startsWith(value) : v.endsWith(value);
      };
    }
    const any = /^(.+)\/any$/i.exec(t);
    if (any) {
      const collection = any[1]!;
      expect('(');
      const variable = (next() ?? fail()).replace(/:$/, '');
      if (peek() === ':') next();
      const body = orExpr({ variable });
      expect(')');
      return (o) => asArray(o[collection] ?? caseInsensitive(o, collection)).some((item) => body({ [variable]: item }));
    }
    const count = /^(.+)\/\$count$/i.exec(t);
    if (count) {
      const op = (next() ?? fail()).toLowerCase();
      const value = literal();
      advancedOn.push(count[1]!);
      return (o) => cmp(asArray(caseInsensitive(o, count[1]!)).length, op, value);
    }
    const op = (next() ?? fail()).toLowerCase();
    const read = reader(t, scope);
    if (op === 'in') {
      expect('(');
      const values: Value[] = [literal()];
      while (peek() === ',') {
        next();
        values.push(literal());
      }
      expect(')');
      return (o) => values.some((v) => cmp(read(o), 'eq', v));
    }
    if (!['eq', 'ne', 'ge', 'le', 'gt', 'lt'].includes(op)) fail(t);
    return compare(t, op, literal(), read);
  };

  const unary = (scope?: { variable: string }): Pred => {
    if (peek()?.toLowerCase() === 'not') {
      next();
      advancedOn.push('not');
      const inner = unary(scope);
      return (o) => !inner(o);
    }
    return primary(scope);
  };
  const andExpr = (scope?: { variable: string }): Pred => {
    let left = unary(scope);
    while (peek()?.toLowerCase() === 'and') {
      next();
      const l = left;
      const r = unary(scope);
      left = (o) => l(o) && r(o);
    }
    return left;
  };
  const orExpr = (scope?: { variable: string }): Pred => {
    let left = andExpr(scope);
    while (peek()?.toLowerCase() === 'or') {
      next();
      const l = left;
      const r = andExpr(scope);
      left = (o) => l(o) || r(o);
    }
    return left;
  };

  const test = orExpr();
  if (pos !== tokens.length) fail();
  return { test, advancedOn };
}

function reader(path: string, scope?: { variable: string }): (o: Record<string, unknown>) => unknown {
  const parts = path.split('/');
  return (o) => {
    let cur: unknown = o;
    for (const part of parts) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = scope && part === scope.variable && part in (cur as object) ? (cur as Record<string, unknown>)[part] : caseInsensitive(cur as Record<string, unknown>, part);
    }
    return cur;
  };
}

function caseInsensitive(o: Record<string, unknown>, key: string): unknown {
  if (key in o) return o[key];
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k ? o[k] : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function cmp(actual: unknown, op: string, expected: Value): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v ?? null);
  const a = norm(actual);
  const b = norm(expected);
  switch (op) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    case 'ge': return a !== null && b !== null && a >= b;
    case 'le': return a !== null && b !== null && a <= b;
    case 'gt': return a !== null && b !== null && a > b;
    case 'lt': return a !== null && b !== null && a < b;
    default: return false;
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*('(?:[^']|'')*'|[(),]|[^\s(),']+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    if (!m[1]) break;
    end = re.lastIndex;
    // `p:p` inside any(): split the lambda variable declaration from its body.
    const lambda = /^([A-Za-z_]\w*):(.+)$/.exec(m[1]);
    if (lambda && !m[1].startsWith("'")) tokens.push(`${lambda[1]}:`, lambda[2]!);
    else tokens.push(m[1]);
  }
  if (text.slice(end).trim()) throw badRequest('Request_UnsupportedQuery', 'Invalid filter clause');
  return tokens;
}
