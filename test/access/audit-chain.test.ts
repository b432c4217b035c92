import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, verifyAuditChain } from '../../backend/src/access';
import type { Caller } from '../../backend/src/http/auth';
import { openStore, type Store } from '../../backend/src/store';
import { findAuditEntries } from '../../backend/src/store/audit';
import { testStore, watchedStore, type TestStore } from '../helpers/db';

const megan: Caller = { oid: 'oid-megan', tenantId: 't', upn: 'megan.bowen@contoso.example', name: 'Megan Bowen', roles: new Set() };
const opened: TestStore[] = [];
after(async () => Promise.all(opened.map((s) => s.drop())));

/** A fresh trail per test: tampering in one must not break the next. */
async function trail(entries: number): Promise<TestStore> {
  const store = await testStore();
  opened.push(store);
  for (let n = 1; n <= entries; n++) await audit(store, { caller: megan, action: 'view', archiveId: megan.oid, target: `item-${n}`, details: { n } });
  return store;
}

const raw = (store: Store) => store.db.collection<any>('audit');

test('an untouched trail verifies, entries numbered from 1 and linked by hash', async () => {
  const store = await trail(5);
  await audit(store, { caller: { system: 'journal' }, action: 'journal-ingest', details: { report: 'r1' } });
  assert.deepEqual(await verifyAuditChain(store), { ok: true, checked: 6, head: { seq: 6, hash: (await raw(store).findOne({ _id: 6 }))!.hash } });
  const all = await findAuditEntries(store, { limit: 10 });
  assert.deepEqual(all.map((e) => e._id), [6, 5, 4, 3, 2, 1]);
  assert.equal(all[5]!.prev, '0'.repeat(64));
  assert.equal(all[4]!.prev, all[5]!.hash);
  assert.deepEqual(all[0]!.actor, { system: 'journal' });
  assert.deepEqual(all[1]!.actor, { oid: megan.oid, upn: megan.upn, name: megan.name, roles: [] });
  assert.deepEqual(await verifyAuditChain(store, { from: 3, to: 4 }), { ok: true, checked: 2, head: { seq: 4, hash: all[2]!.hash } });
});

test('details never keep secrets, message content or binary data, and survive storage unchanged', async () => {
  const store = await trail(0);
  const details = {
    query: 'from:lee budget',
    clientSecret: 's3cr3t',
    accessToken: 'eyJ...',
    body: 'Dear Megan, the merger...',
    bodyHtml: '<p>secret plans</p>',
    nested: { password: 'x', 'a.b': 1, $where: 'y', when: new Date('2024-05-01T10:00:00Z'), raw: Buffer.from('hello') },
    attachment: Buffer.from('%PDF-1.7'),
    broken: 'half a pair \uD83D',
    ids: Array.from({ length: 1005 }, (_, i) => i),
    nothing: undefined,
    big: 12345678901234,
    ratio: 0.1,
  };
  await audit(store, { caller: megan, action: 'export', details });
  const [entry] = await findAuditEntries(store, { limit: 1 });
  const d = entry!.details as any;
  assert.equal(d.query, 'from:lee budget');
  for (const v of [d.clientSecret, d.accessToken, d.body, d.bodyHtml, d.nested.password, d.nested.raw]) assert.equal(v, '[redacted]');
  assert.equal(d.attachment, '[binary, 8 bytes]');
  assert.deepEqual(Object.keys(d.nested).sort(), ['_where', 'a_b', 'password', 'raw', 'when']);
  assert.equal(d.nested.when, '2024-05-01T10:00:00.000Z');
  assert.equal(d.broken, 'half a pair \uFFFD');
  assert.equal(d.ids.length, 1001);
  assert.equal(d.ids[1000], '…and 5 more');
  assert.ok(!('nothing' in d));
  assert.doesNotMatch(JSON.stringify(entry), /s3cr3t|merger|secret plans|eyJ/);
  assert.equal((await verifyAuditChain(store)).ok, true);
});

test('an entry edited in the database is reported where it was edited', async () => {
  const store = await trail(8);
  await raw(store).updateOne({ _id: 4 }, { $set: { 'details.n': 40 } });
  assert.deepEqual(await verifyAuditChain(store), {
    ok: false,
    checked: 3,
    brokenAt: 4,
    reason: 'content does not match its hash',
    head: { seq: 3, hash: (await raw(store).findOne({ _id: 3 }))!.hash },
  });
  assert.equal((await verifyAuditChain(store, { from: 5 })).ok, true, 'later entries still chain to the stored hash of 4');
});

test('an edited entry whose hash was recomputed breaks the link of the next one', async () => {
  const store = await trail(6);
  const { entryHash } = await import('../../backend/src/access/chain');
  const doc = (await raw(store).findOne({ _id: 2 })) as any;
  doc.target = 'item-99';
  doc.hash = entryHash(doc);
  await raw(store).replaceOne({ _id: 2 }, doc);
  const result = await verifyAuditChain(store);
  assert.equal(result.brokenAt, 3);
  assert.equal(result.reason, 'does not link to the previous entry');
});

test('a deleted entry is reported, in the middle and at the end', async () => {
  const store = await trail(8);
  await raw(store).deleteOne({ _id: 5 });
  assert.deepEqual(
    { ...(await verifyAuditChain(store)), head: undefined },
    { ok: false, checked: 4, brokenAt: 5, reason: 'entry 5 is missing', head: undefined },
  );
  const tail = await trail(4);
  await raw(tail).deleteOne({ _id: 4 });
  const result = await verifyAuditChain(tail);
  assert.equal(result.ok, false);
  assert.equal(result.brokenAt, 4);
  assert.match(result.reason!, /missing from the end/);

  const later = await openStore({ uri: process.env.MONGODB_URI!, dbName: tail.dbName });
  try {
    await audit(later, { caller: megan, action: 'view' });
    assert.deepEqual([(await verifyAuditChain(tail)).brokenAt, (await verifyAuditChain(tail)).reason], [4, 'entry 4 is missing'], 'a later append does not refill the cut');
  } finally {
    await later.close();
  }
});

test('an inserted entry is reported, whatever its id', async () => {
  const store = await trail(3);
  const last = (await raw(store).findOne({ _id: 3 })) as any;
  await raw(store).insertOne({ ...last, _id: 4, target: 'forged', prev: last.hash });
  assert.deepEqual([(await verifyAuditChain(store)).brokenAt, (await verifyAuditChain(store)).reason], [4, 'content does not match its hash']);

  const other = await trail(3);
  await raw(other).insertOne({ _id: 'x-forged', action: 'view' });
  const result = await verifyAuditChain(other);
  assert.equal(result.ok, false);
  assert.match(result.reason!, /foreign entry with id "x-forged"/);

  const between = await trail(3);
  await raw(between).insertOne({ _id: 2.5, action: 'view' });
  assert.equal((await verifyAuditChain(between)).brokenAt, 3);
});

test('concurrent appends from two Store connections keep one unbroken chain', async () => {
  const a = await trail(0);
  const b = await openStore({ uri: process.env.MONGODB_URI!, dbName: a.dbName });
  try {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => audit(n % 2 ? a : b, { caller: megan, action: 'search', details: { n } })),
    );
    const ms = Date.now() - started;
    const result = await verifyAuditChain(a);
    assert.deepEqual([result.ok, result.checked], [true, 20], JSON.stringify(result));
    const entries = await findAuditEntries(a, { limit: 100 });
    assert.deepEqual(entries.map((e) => e._id).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(entries.map((e) => (e.details as { n: number }).n).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
    console.log(`20 concurrent appends over 2 connections: ${ms} ms`);
  } finally {
    await b.close();
  }
});

test('many connections appending at once, with the head hint gone, still make one chain', async () => {
  const a = await trail(3);
  await a.db.collection('audit_head').deleteMany({});
  const others = await Promise.all(Array.from({ length: 4 }, () => openStore({ uri: process.env.MONGODB_URI!, dbName: a.dbName })));
  try {
    const stores = [a, ...others];
    await Promise.all(Array.from({ length: 40 }, (_, n) => audit(stores[n % stores.length]!, { caller: megan, action: 'view', details: { n } })));
    const result = await verifyAuditChain(a);
    assert.deepEqual([result.ok, result.checked], [true, 43], JSON.stringify(result));
    assert.ok(((await a.db.collection('audit_head').findOne({}))?.seq ?? 0) <= 43, 'the head hint never leads');
  } finally {
    await Promise.all(others.map((s) => s.close()));
  }
});

test('appending never reads the trail: one insert and one head update per entry, whatever its length', async () => {
  const a = await trail(3);
  const { store: watched, commands: seen } = await watchedStore(a.dbName);
  try {
    for (let n = 0; n < 5; n++) await audit(watched, { caller: megan, action: 'search', details: { n } });
    const steady = seen.filter((c) => /audit/.test(c)).slice(-8);
    assert.deepEqual(steady, Array.from({ length: 4 }, () => ['insert audit', 'update audit_head']).flat(), seen.join('\n'));
    assert.deepEqual([(await verifyAuditChain(a)).ok, (await verifyAuditChain(a)).checked], [true, 8]);
  } finally {
    await watched.close();
  }
});

test('audited calls made together are written together: one insert and one head update for sixteen entries, in one unbroken chain', async () => {
  const a = await trail(2);
  const { store: watched, commands: seen } = await watchedStore(a.dbName);
  try {
    await audit(watched, { caller: megan, action: 'search', details: { n: -1 } }); // finds the head
    seen.length = 0;
    await Promise.all(Array.from({ length: 16 }, (_, n) => audit(watched, { caller: megan, action: 'search', details: { n } })));
    assert.deepEqual(seen.filter((c) => /audit/.test(c)), ['insert audit', 'update audit_head']);
    const result = await verifyAuditChain(a);
    assert.deepEqual([result.ok, result.checked], [true, 19], JSON.stringify(result));
    const entries = await findAuditEntries(a, { limit: 100, action: 'search' });
    assert.deepEqual(entries.map((e) => (e.details as { n: number }).n).sort((x, y) => x - y), Array.from({ length: 17 }, (_, i) => i - 1));
  } finally {
    await watched.close();
  }
});

test('a group that meets a taken number half-way keeps what it stored and puts the rest after it, each entry once', async () => {
  const a = await trail(2);
  // Number 5 taken by someone else while this process still believes the chain ends at 2.
  await raw(a).insertOne({ _id: 5, at: new Date(), actor: { system: 'elsewhere' }, action: 'view', prev: 'x'.repeat(64), hash: 'y'.repeat(64) });
  await Promise.all(Array.from({ length: 5 }, (_, n) => audit(a, { caller: megan, action: 'search', details: { n } })));
  const entries = await findAuditEntries(a, { limit: 100 });
  assert.deepEqual(entries.map((e) => e._id).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);
  const ours = entries.filter((e) => e.action === 'search');
  assert.deepEqual(ours.map((e) => [e._id, (e.details as { n: number }).n]).sort((x, y) => x[0]! - y[0]!), [[3, 0], [4, 1], [6, 2], [7, 3], [8, 4]]);
  const result = await verifyAuditChain(a);
  assert.deepEqual([result.ok, result.brokenAt], [false, 5], 'only the foreign entry breaks the chain');
});
