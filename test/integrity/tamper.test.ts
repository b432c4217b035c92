import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { recordRemoved } from '../../backend/src/integrity/ledger';
import type { IngestResult } from '../../backend/src/ingest';
import type { Problem } from '../../backend/src/store/integrity-reports';
import { archive, closeTsa, fixture, type Fixture } from './helpers';

/** An archive of 4 messages, sealed under two time-stamped roots (entries 1-2 and 3-4). */
async function sealedArchive(opts: { graceMs?: number } = {}): Promise<{ f: Fixture; messages: IngestResult[] }> {
  const f = await fixture(opts);
  const messages = await archive(f.store, 'arch', 2);
  await sealStamped(f);
  messages.push(...(await archive(f.store, 'arch', 2, 2)));
  await sealStamped(f);
  return { f, messages };
}

/**
 * Seals, and asks again for the tokens the local TSA did not give (a loaded machine): a root
 * without one is not checked, so a swapped null token once made the token test pass unseen.
 */
async function sealStamped(f: Fixture): Promise<void> {
  for (let attempt = 1; (await f.seal()).failed > 0; attempt++) {
    if (attempt === 3) throw new Error('the local TSA did not stamp every root in three tries');
  }
}

function named(problems: Problem[]): string[] {
  return problems.map((p) => `${p.kind} ${p.id}`).sort();
}

describe('tampering is caught and named', () => {
  after(closeTsa);

  it('an altered blob (re-compressed with other bytes) is named by its id', async () => {
    const { f, messages } = await sealedArchive();
    try {
      const id = messages[1]!.sha256;
      const chunks = f.store.db.collection<{ _id: string; data: Buffer }>('messages.chunks');
      const chunk = (await chunks.findOne({ _id: `${id}:0` }, { promoteBuffers: true }))!;
      const forged = gzipSync(Buffer.from(gunzipSync(chunk.data).toString().replace('Figures', 'Fakures')));
      await chunks.updateOne({ _id: chunk._id }, { $set: { data: forged } });
      await f.store.db.collection('messages.files').updateOne({ _id: id as never }, { $set: { length: forged.length } });
      assert.deepEqual(named((await f.verify()).problems), [`altered-blob ${id}`]);
    } finally {
      await f.close();
    }
  });

  it('a deleted blob and a deleted archive item are named', async () => {
    const { f, messages } = await sealedArchive();
    try {
      await f.store.db.collection('messages.chunks').deleteOne({ _id: `${messages[0]!.sha256}:0` as never });
      await f.store.db.collection('items').deleteOne({ _id: `arch:${messages[2]!.sha256}` as never });
      assert.deepEqual(named((await f.verify()).problems), [`missing-blob ${messages[0]!.sha256}`, `missing-message arch:${messages[2]!.sha256}`]);
    } finally {
      await f.close();
    }
  });

  it('a deleted ledger entry breaks the chain there, its root, and leaves its message unrecorded', async () => {
    const { f, messages } = await sealedArchive();
    try {
      await f.store.db.collection('ledger').deleteOne({ _id: 2 as never });
      assert.deepEqual(named((await f.verify()).problems), ['bad-root 1', 'broken-chain 2', `missing-ledger-entry arch:${messages[1]!.sha256}`]);
    } finally {
      await f.close();
    }
  });

  it('a reordered chain is named where the order breaks', async () => {
    const { f } = await sealedArchive();
    try {
      const ledger = f.store.db.collection<{ _id: number }>('ledger');
      const [two, three] = [(await ledger.findOne({ _id: 2 }))!, (await ledger.findOne({ _id: 3 }))!];
      await ledger.deleteMany({ _id: { $in: [2, 3] } });
      await ledger.insertMany([{ ...three, _id: 2 }, { ...two, _id: 3 }]);
      const problems = named((await f.verify()).problems);
      assert.ok(problems.includes('broken-chain 2'), problems.join(', '));
      assert.ok(problems.includes('broken-chain 3'), problems.join(', '));
    } finally {
      await f.close();
    }
  });

  it("a root's time-stamp token swapped for another root's is named", async () => {
    const { f } = await sealedArchive();
    try {
      const roots = f.store.db.collection<{ _id: number; token: unknown; genTime: Date }>('ledger_roots');
      const second = (await roots.findOne({ _id: 2 }))!;
      await roots.updateOne({ _id: 1 }, { $set: { token: second.token, genTime: second.genTime } });
      const report = await f.verify();
      assert.deepEqual(named(report.problems), ['bad-token 1']);
      assert.match(report.problems[0]!.detail, /another root/);
    } finally {
      await f.close();
    }
  });

  it('a deleted token is not asked for again by the sealer: the root is named unstamped, then late once an administrator stamps it', async () => {
    // Whoever can rewrite entries and their root could otherwise delete its token and have the
    // sealer stamp the forgery within a minute. A short grace stands for TSA_GRACE_HOURS.
    const graceMs = 8_000;
    const { f } = await sealedArchive({ graceMs });
    try {
      const roots = f.store.db.collection<{ _id: number; token: unknown; genTime: Date | null; tsaError: string | null }>('ledger_roots');
      await roots.updateOne({ _id: 1 }, { $set: { token: null, genTime: null } });
      // Past the grace by more than a second: the local TSA's genTime has whole seconds.
      await sleep(graceMs + 1_500);
      assert.deepEqual(await f.seal(), { appended: 0, head: 4, rootsClosed: 0, stamped: 0, failed: 0, late: 1 });
      assert.match((await roots.findOne({ _id: 1 }))!.tsaError ?? '', /TSA_GRACE_HOURS/);
      const unstamped = await f.verify();
      assert.deepEqual(named(unstamped.problems), ['unstamped-root 1']);
      assert.equal((await f.seal({ stampLate: true })).stamped, 1, 'an administrator stamps it late');
      const late = await f.verify();
      assert.deepEqual(named(late.problems), ['late-token 1']);
      assert.match(late.problems[0]!.detail, /proves that the entries 1 to 2 existed then, not earlier/);
      // A grace made longer later (TSA_GRACE_HOURS raised) does not excuse it: the root keeps the rule it was closed under.
      f.settings.verify.stampDueMs = 25 * 3_600_000;
      assert.deepEqual(named((await f.verify()).problems), ['late-token 1']);
    } finally {
      await f.close();
    }
  });

  it('a message removed with a ledger entry first is no problem; the ledger keeps both events', async () => {
    const { f, messages } = await sealedArchive();
    try {
      const m = messages[3]!;
      await recordRemoved(f.store, [{ archiveId: 'arch', blobId: m.sha256, size: m.size, receivedAt: new Date(), reason: 'retention:test' }]);
      await f.store.db.collection('items').deleteOne({ _id: `arch:${m.sha256}` as never });
      assert.equal((await f.seal()).appended, 1);
      const report = await f.verify();
      assert.deepEqual(report.problems, []);
      assert.equal(report.counts.ledgerEntriesChecked, 5);
      const removed = await f.store.db.collection<{ _id: number; event: string; digest: string; source: unknown }>('ledger').findOne({ _id: 5 });
      assert.deepEqual([removed!.event, removed!.digest, removed!.source], ['removed', m.sha256, { kind: 'disposal', reason: 'retention:test' }]);
    } finally {
      await f.close();
    }
  });
});
