import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../helpers/stack';
import { folderRun } from './helpers';

/**
 * A mailbox crawl that dies after any number of database writes (the process is gone: nothing
 * it would still write reaches the database) and is then taken over must end with the counts of
 * a crawl that never died: every message found and archived once, none counted twice, for the
 * folder's delta pages as for the due pending work handled before them.
 */
let stack: Stack;
const MESSAGES = 60; // two delta pages of 50
const PENDING = 10;

before(async () => {
  stack = await startStack({ seed: { users: 1, messagesPerUser: 1 }, workers: 0 });
});
after(async () => {
  crash.restore();
  await stack?.close();
});

/** Fails every database write from the n-th on, as if the process had died just before it. */
const crash = (() => {
  const proto = mongoose.mongo.Collection.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const methods = ['insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'bulkWrite'];
  const originals = new Map(methods.map((m) => [m, proto[m]!]));
  let left = Number.POSITIVE_INFINITY;
  let onCrash: (() => void) | null = null;
  const log: string[] = [];
  for (const m of methods) {
    proto[m] = function (this: { collectionName: string }, ...args: unknown[]) {
      if (left <= 0) {
        onCrash?.();
        onCrash = null;
        return Promise.reject(new Error('simulated crash: the process is gone'));
      }
      left -= 1;
      log.push(`${m} ${this.collectionName}`);
      return originals.get(m)!.apply(this, args);
    } as (typeof proto)[string];
  }
  return {
    /** Lets `writes` more writes through, then fails the rest and calls `then` (to stop the handler). */
    arm(writes: number, then: () => void) {
      left = writes;
      onCrash = then;
    },
    disarm() {
      left = Number.POSITIVE_INFINITY;
      onCrash = null;
    },
    /** The writes from now on, by method and collection. */
    record() {
      log.length = 0;
      return log;
    },
    restore() {
      for (const [m, f] of originals) proto[m] = f;
    },
  };
})();

const scenario = (name: string) => folderRun(stack, name, MESSAGES, { pending: PENDING });

// Pending work is not "found" again: its messages were found by the run that left it.
const EXPECTED = { status: 'done', found: MESSAGES, archived: MESSAGES + PENDING, alreadyArchived: 0, failed: 0, items: MESSAGES + PENDING, pending: 0, errors: [] };

test('a crawl killed after any database write and taken over neither loses nor double-counts a message', async (t) => {
  // A crawl that does not die, to learn the writes a crawl makes and pick the crash points.
  const reference = await scenario('reference');
  const writes = crash.record();
  await reference.attempt(new AbortController().signal);
  assert.deepEqual(await reference.counts(), EXPECTED);
  const commits = /(folder_sync|run_mailboxes|items|source_refs|pending_items)$/;
  // (Of a run of like writes, such as the removal of a batch of pending items, its ends.)
  const points = writes.flatMap((w, i) => (commits.test(w) && (writes[i - 1] !== w || writes[i + 1] !== w) ? [i] : []));
  // Every write that commits or publishes a page, plus some inside the ingest of a message
  // (CRASH_AT=258,259 repeats chosen crash points).
  const crashAt = process.env.CRASH_AT ? process.env.CRASH_AT.split(',').map(Number) : [...new Set([...points, 40, 90, Math.floor(writes.length / 2)])].filter((n) => n < writes.length).sort((a, b) => a - b);
  t.diagnostic(`${writes.length} writes per crawl; crashing after ${crashAt.join(', ')}`);

  for (const n of crashAt) {
    const { attempt, counts } = await scenario(`crash-${n}`);
    const dying = new AbortController();
    crash.arm(n, () => dying.abort(new Error('the process died')));
    // (A crash point after the crawl's last write finds it done: the takeover must change nothing.)
    await attempt(dying.signal).catch(() => undefined);
    // Whatever the dead crawl still had in flight has settled before another worker takes over.
    await new Promise((resolve) => setTimeout(resolve, 200));
    crash.disarm();
    await attempt(new AbortController().signal);
    assert.deepEqual(await counts(), EXPECTED, `crashed before write ${n} (in the reference: ${writes[n]})`);
  }
});
