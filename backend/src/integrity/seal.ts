import {
  LEDGER_GENESIS,
  advanceLedgerHeadHint,
  appendLedgerEntries,
  dequeueLedgerEvents,
  dequeueLedgerPages,
  getLedgerEntry,
  ledgerEntriesFor,
  ledgerEntriesInOrder,
  ledgerHeadHint,
  ledgerMessageStates,
  queuedLedgerEvents,
  type LedgerContent,
  type LedgerEntry,
  type LedgerStore,
  type QueuedEvent,
} from '../store/ledger';
import { ledgerEntryHash, type Head } from './ledger';

/**
 * The sealer: chains the queued ledger events (integrity/ledger.ts), in passes. A pass
 *  1. starts at the head hint (a number and its hash). Entries a crashed pass (or another
 *     sealer) appended past it, whose events may still be queued, make its first append lose;
 *     it walks past them then, and they are `done`. A process's first pass walks in any case;
 *  2. streams up to `pass` events in one sorted read, chaining them `window` at a time,
 *     skipping those `done`;
 *  3. deletes what it read and what it walked past: pages it read whole by page id, the rest
 *     by key (few: pages cut by the pass's end or half written, and other sealers' events);
 *  4. moves the hint to the head.
 * An event is deleted only after its entry is appended, and the hint moves only after the
 * deletes, so a crash anywhere leaves every event queued or chained, and the next append walks
 * past what is chained: nothing lost, nothing chained twice. Sealers in several processes may
 * overlap: who appends entry n is decided by inserting it; the loser walks what the winner
 * appended and chains the rest after it.
 *
 * FerretDB 1.24 answers every sorted read and every delete by reading the whole queue, and
 * tests each queued event against every value of an `$in`. A pass makes one sorted read and a
 * delete per 20,000 events, each testing a few dozen page ids: a backlog of n events
 * costs about n/PASS sorted reads, so sealing it is linear in n where the per-window reads
 * and `$in` deletes of keys were quadratic.
 */
export interface SealOptions {
  /** Events chained per append. */
  window?: number;
  /** Events read per pass. */
  pass?: number;
  /** Events removed per delete of whole pages (pages hold at most 1,000; SQLite takes 32,766 values per statement). */
  pagesPerDelete?: number;
  /** Tests: called after each step; throwing there is a sealer dying at that point. */
  step?: (step: SealStep) => void | Promise<void>;
}

export type SealStep = 'appended' | 'dequeued-some' | 'dequeued';
type Step = NonNullable<SealOptions['step']>;

/** Bounds memory, and what a crashed pass leaves for the next one to walk past. */
const WINDOW = 5_000;
const PASS = 50_000;
const PAGES_PER_DELETE = 20_000;

/** Chains every queued event; returns the head and how many entries were appended. */
export async function chainQueued(store: LedgerStore, opts: SealOptions = {}): Promise<{ head: Head; appended: number }> {
  const o = { window: opts.window ?? WINDOW, pass: opts.pass ?? PASS, pagesPerDelete: opts.pagesPerDelete ?? PAGES_PER_DELETE, step: opts.step ?? (() => undefined) };
  let appended = 0;
  for (;;) {
    const pass = await sealPass(store, o);
    appended += pass.appended;
    if (pass.read < o.pass) return { head: pass.head, appended };
  }
}

interface PassState {
  head: Head;
  /** Keys of events chained already, walked past. */
  done: Set<string>;
  appended: number;
  recorded: Recorded;
}

/** Stores whose sealer walked the chain from the hint once: their later passes start at the hint. */
const walkedOnce = new WeakSet<LedgerStore>();

async function sealPass(store: LedgerStore, o: Required<SealOptions>): Promise<{ head: Head; appended: number; read: number }> {
  // The hint is the end of the chain unless a pass died between appending and moving the hint, or
  // another sealer is ahead: then appending after it loses on the first entry, and `append` walks
  // on from there. So only a process's first pass walks (what a dead pass left is then rooted even
  // if nothing new comes): on FerretDB 1.24 every read of the chain reads all of it, each minute.
  const state: PassState = { head: await hintedHead(store), done: new Set(), appended: 0, recorded: new Recorded(store) };
  if (!walkedOnce.has(store)) await walkPast(store, state);
  walkedOnce.add(store);
  const pages = new Map<string, { size: number; keys: string[] }>();
  const loose: string[] = [];
  let window: QueuedEvent[] = [];
  let read = 0;
  for await (const e of queuedLedgerEvents(store, o.pass)) {
    read += 1;
    if (e.page) {
      const page = pages.get(e.page) ?? { size: e.pageSize ?? 0, keys: [] };
      page.keys.push(e._id);
      pages.set(e.page, page);
    } else loose.push(e._id);
    window.push(e);
    if (window.length >= o.window) {
      await append(store, state, window, o.step);
      window = [];
    }
  }
  await append(store, state, window, o.step);
  await dequeue(store, state, { pages, loose, perDelete: o.pagesPerDelete }, o.step);
  await advanceLedgerHeadHint(store, state.head);
  return { head: state.head, appended: state.appended, read };
}

async function append(store: LedgerStore, state: PassState, window: QueuedEvent[], step: Step): Promise<void> {
  for (;;) {
    const docs = chain(await state.recorded.without(window.filter((e) => !state.done.has(e._id))), state.head);
    const last = docs[docs.length - 1];
    if (!last) return;
    if (await appendLedgerEntries(store, docs)) {
      for (const d of docs) state.recorded.note(d);
      state.head = { seq: last._id, hash: last.hash };
      state.appended += docs.length;
      await step('appended');
      return;
    }
    // Another sealer got there first: what it chained is done.
    await walkPast(store, state);
  }
}

function chain(events: QueuedEvent[], from: Head): LedgerEntry[] {
  let head = from;
  return events.map((e) => {
    const doc: LedgerEntry = { _id: head.seq + 1, ...e.content, prev: head.hash, hash: '' };
    doc.hash = ledgerEntryHash(doc);
    head = { seq: doc._id, hash: doc.hash };
    return doc;
  });
}

/** Everything read and walked past leaves the queue: whole pages by id, the rest by key. */
interface ReadEvents {
  pages: Map<string, { size: number; keys: string[] }>;
  /** Keys of events read that are not in a page. */
  loose: string[];
  perDelete: number;
}

async function dequeue(store: LedgerStore, state: PassState, { pages, loose, perDelete }: ReadEvents, step: Step): Promise<void> {
  const read = new Set(loose);
  let whole: string[] = [];
  let events = 0;
  for (const [id, page] of pages) {
    for (const k of page.keys) read.add(k);
    if (page.keys.length < page.size) {
      loose.push(...page.keys); // the rest is still being written, or comes in the next pass
      continue;
    }
    whole.push(id);
    events += page.size;
    if (events >= perDelete) {
      await dequeueLedgerPages(store, whole);
      await step('dequeued-some');
      [whole, events] = [[], 0];
    }
  }
  await dequeueLedgerPages(store, whole);
  // Events another sealer chained and this one did not read (it read the queue before they came).
  for (const k of state.done) if (!read.has(k)) loose.push(k);
  await dequeueLedgerEvents(store, loose);
  await step('dequeued');
}

/**
 * The head the hint names. A hint naming a missing entry means the end was cut off: appending
 * after it keeps that gap visible to verification instead of refilling it.
 */
async function hintedHead(store: LedgerStore): Promise<Head> {
  const hint = await ledgerHeadHint(store);
  if (hint.seq === 0) return { seq: 0, hash: LEDGER_GENESIS };
  if (hint.hash) return { seq: hint.seq, hash: hint.hash };
  // A hint written before it kept the hash.
  const entry = await getLedgerEntry(store, hint.seq);
  if (entry) return { seq: entry._id, hash: entry.hash };
  let last: LedgerEntry | null = null;
  for await (const e of ledgerEntriesInOrder(store, { from: 1, to: hint.seq })) last = e;
  return { seq: hint.seq, hash: last?.hash ?? LEDGER_GENESIS };
}

/** Moves the pass's head to the end of the chain, in one ranged read: what others chained past it is done. */
async function walkPast(store: LedgerStore, state: PassState): Promise<void> {
  for await (const e of ledgerEntriesInOrder(store, { from: state.head.seq + 1 })) {
    state.done.add(e.key);
    state.recorded.note(e);
    state.head = { seq: e._id, hash: e.hash };
  }
}

type MessageState = Pick<LedgerContent, 'event' | 'digest' | 'salted'>;
const messageKey = (m: { archiveId: string; blobId: string }) => `${m.archiveId}:${m.blobId}`;

/** Above this many checks in a window, one read of the whole ledger beats a `$or` FerretDB tests against every entry. */
const CHECKS_BY_QUERY = 200;

/**
 * What the ledger last says of each message, for the events to look up first (the rare ones):
 * a repeated add of a message the ledger shows as held adds nothing; a removal given without its
 * digest takes the one its message was added with. A large disposal queues thousands of such
 * removals: then the whole ledger is read once per pass, and kept up to date as it grows.
 */
class Recorded {
  private all: Map<string, MessageState> | null = null;

  constructor(private readonly store: LedgerStore) {}

  note(e: LedgerEntry): void {
    this.all?.set(messageKey(e), { event: e.event, digest: e.digest, salted: e.salted });
  }

  async without(batch: QueuedEvent[]): Promise<QueuedEvent[]> {
    const checks = batch.filter((e) => e.check);
    if (checks.length === 0) return batch;
    const state = await this.statesOf(checks.map((c) => c.content));
    return batch.flatMap((e): QueuedEvent[] => {
      const k = messageKey(e.content);
      const last = state.get(k);
      if (e.check && e.content.event === 'added' && last?.event === 'added') return [];
      const content = e.check && e.content.event === 'removed' && last ? { ...e.content, digest: last.digest, salted: last.salted } : e.content;
      state.set(k, content);
      return [{ ...e, content }];
    });
  }

  private async statesOf(messages: LedgerContent[]): Promise<Map<string, MessageState>> {
    const state = new Map<string, MessageState>();
    if (!this.all && messages.length <= CHECKS_BY_QUERY) {
      for (const e of await ledgerEntriesFor(this.store, messages)) state.set(messageKey(e), e);
      return state;
    }
    if (!this.all) {
      this.all = new Map();
      for await (const e of ledgerMessageStates(this.store)) this.all.set(messageKey(e), { event: e.event, digest: e.digest, salted: e.salted });
    }
    for (const m of messages) {
      const s = this.all.get(messageKey(m));
      if (s) state.set(messageKey(m), s);
    }
    return state;
  }
}
