import type { Store } from '../store';
import { ledgerEntriesFor, ledgerEntriesInOrder, listLedgerRoots, type LedgerEntry, type LedgerRoot, type StampRule } from '../store/ledger';
import { merklePath, type PathStep } from './merkle';
import { stampRuleOf, type IntegritySettings } from './service';

/**
 * A proof an auditor checks without our software (docs/integrity.md, docs/verify-proof.py):
 * for each message its ledger entries as hashed, each entry's Merkle path to its period's root,
 * and each root with its RFC 3161 token and the TSA certificates to check it against.
 */
export interface Proof {
  format: 'm365-archive-proof/1';
  createdAt: string;
  rules: string;
  /**
   * The archive's rule for time-stamps (LEDGER_PERIOD_MINUTES, TSA_GRACE_HOURS): a root is due
   * its token within a period and the grace after its last entry. Entries of a root span about a
   * period, so a token issued more than two periods and the grace after an entry came late by
   * that rule, and proves only the later date (the script says so). This is today's rule; a root's
   * own `stampRule`, the rule it was closed under, applies where it is stricter. Absent in earlier proofs.
   */
  stampRule: ProofStampRule;
  tsaCertificates: string[];
  messages: ProofMessage[];
  roots: ProofRoot[];
}

interface ProofStampRule {
  periodSeconds: number;
  graceSeconds: number;
}

interface ProofMessage {
  archiveId: string;
  blobId: string;
  /** Hex, for entries whose digest is salted: SHA-256(salt ‖ SHA-256(raw message)). */
  salt?: string;
  entries: ProofEntry[];
}

interface ProofEntry {
  /** Exactly what was hashed: canonical JSON of this object (keys sorted, no spaces). */
  entry: Record<string, unknown>;
  prev: string;
  hash: string;
  /** The root covering it; null while its period is still open (seal it first). */
  root: number | null;
  path: PathStep[];
}

interface ProofRoot {
  id: number;
  fromSeq: number;
  toSeq: number;
  root: string;
  genTime: string | null;
  /** The TimeStampToken (DER), base64; null when no TSA is configured. */
  token: string | null;
  /** Absent for roots closed before roots kept their rule. */
  stampRule?: ProofStampRule;
}

export const PROOF_RULES =
  'entry hash = SHA-256(prev ‖ canonical JSON of entry); leaf = SHA-256(0x00 ‖ entry hash bytes); node = SHA-256(0x01 ‖ left ‖ right); ' +
  'the TSA token stamps the 32 root bytes (messageImprint = SHA-256(root bytes)); digest = SHA-256(raw message), or SHA-256(salt ‖ SHA-256(raw message)) when salted.';

export async function buildProof(store: Store, messages: { archiveId: string; blobId: string }[], settings: Pick<IntegritySettings, 'periodMs' | 'verify'>): Promise<Proof> {
  const entries = await ledgerEntriesFor(store, messages);
  const roots = await listLedgerRoots(store);
  const leavesOf = new Map<number, Buffer[]>();
  const used = new Map<number, LedgerRoot>();
  const out: ProofMessage[] = [];
  for (const m of messages) {
    const mine = entries.filter((e) => e.archiveId === m.archiveId && e.blobId === m.blobId);
    const proofEntries: ProofEntry[] = [];
    for (const e of mine) {
      const root = roots.find((r) => e._id >= r.fromSeq && e._id <= r.toSeq) ?? null;
      if (root) used.set(root._id, root);
      const leaves = root ? (leavesOf.get(root._id) ?? (await rootLeaves(store, root, leavesOf))) : [];
      proofEntries.push({ entry: hashedContent(e), prev: e.prev, hash: e.hash, root: root?._id ?? null, path: root ? merklePath(leaves, e._id - root.fromSeq) : [] });
    }
    out.push({ ...m, ...(mine.some((e) => e.salted) ? { salt: await saltFor(store, m.blobId) } : {}), entries: proofEntries });
  }
  return {
    format: 'm365-archive-proof/1',
    createdAt: new Date().toISOString(),
    rules: PROOF_RULES,
    stampRule: proofRule(stampRuleOf(settings)),
    tsaCertificates: settings.verify.trustedTsaCerts,
    messages: out,
    roots: [...used.values()].map((r) => ({
      id: r._id,
      fromSeq: r.fromSeq,
      toSeq: r.toSeq,
      root: r.root,
      genTime: r.genTime?.toISOString() ?? null,
      token: r.token ? Buffer.from(r.token.buffer).toString('base64') : null,
      ...(r.rule ? { stampRule: proofRule(r.rule) } : {}),
    })),
  };
}

/** The grace is what the due time adds to the period (the auditor reads the settings' names). */
const proofRule = (rule: StampRule): ProofStampRule => ({ periodSeconds: rule.periodMs / 1000, graceSeconds: (rule.dueMs - rule.periodMs) / 1000 });

/** The entry as its hash saw it: every field but `_id` (as `seq`), `prev` and `hash`, dates as ISO strings. */
function hashedContent(e: LedgerEntry): Record<string, unknown> {
  const { _id, prev: _p, hash: _h, ...content } = e;
  return JSON.parse(JSON.stringify({ seq: _id, ...content })) as Record<string, unknown>;
}

async function rootLeaves(store: Store, root: LedgerRoot, cache: Map<number, Buffer[]>): Promise<Buffer[]> {
  const leaves: Buffer[] = [];
  for await (const e of ledgerEntriesInOrder(store, { from: root.fromSeq, to: root.toSeq })) leaves.push(Buffer.from(e.hash, 'hex'));
  cache.set(root._id, leaves);
  return leaves;
}

/** A salted digest's salt, from the message itself (its keyed id cannot be turned back into its hash). */
async function saltFor(store: Store, blobId: string): Promise<string> {
  const salt = await store.blobs.saltOf(blobId);
  if (!salt) throw new Error(`The salt of message ${blobId} needs the encryption keys`);
  return salt;
}
