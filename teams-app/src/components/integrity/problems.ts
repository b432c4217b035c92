import type { IntegrityProblem } from '../../api/types';

/**
 * What each kind of verification problem means for the archive and what an administrator can do
 * about it, in words: the kind's code alone ("late-token") says neither. A kind added to the API
 * without a text here fails the type check.
 */
export const PROBLEM_TEXT: Record<IntegrityProblem['kind'], { title: string; meaning: string }> = {
  'missing-blob': {
    title: 'Message missing',
    meaning: 'The archive lists this message, but its stored copy cannot be read. Restore the database from a backup, or archive the mailbox again while Microsoft 365 still holds the message.',
  },
  'altered-blob': {
    title: 'Message altered',
    meaning: 'The stored copy no longer matches the digest recorded when it was archived: it was changed or damaged since. Restore it from a backup; the ledger holds the original digest.',
  },
  'missing-ledger-entry': {
    title: 'Arrival not in the ledger',
    meaning: 'The archive holds a message whose arrival the ledger does not record: it was added outside archiving, or its ledger entry was removed.',
  },
  'ledger-mismatch': {
    title: 'Ledger and message disagree',
    meaning: 'The ledger records another digest for this message than the stored copy has: the message or its ledger entry was replaced.',
  },
  'missing-message': {
    title: 'Message removed without a record',
    meaning: 'The ledger records this message as held, but the archive no longer has it, and no retention disposal or erasure recorded its removal.',
  },
  'broken-chain': {
    title: 'Ledger chain broken',
    meaning: 'Ledger entries were changed, removed or inserted after they were written: from this entry on the hash chain does not hold. Compare with proofs kept outside the archive.',
  },
  'bad-root': {
    title: 'Sealed period altered',
    meaning: 'The entries of a sealed period no longer hash to the root recorded when it was sealed.',
  },
  'bad-token': {
    title: 'Time-stamp invalid',
    meaning: "The period's time-stamp token does not verify against the authority's certificates (TSA_CA_FILE), or does not belong to its root.",
  },
  'unstamped-root': {
    title: 'Time-stamp missing',
    meaning: 'A sealed period has no time-stamp past its due time: the authority was unreachable for longer than the grace (TSA_GRACE_HOURS), or the token was removed. Stamp late gives it one, which proves the period from then on only.',
  },
  'late-token': {
    title: 'Stamped late',
    meaning: 'The token was issued after the period was due: it proves that the entries existed at the token’s time, not earlier. Expected after a long authority outage or for periods from before a TSA was configured; otherwise treat it as a possible rewrite and compare with proofs kept outside the archive.',
  },
};
