import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';
import { getArchiveUser } from '../store/directory';
import { inMailboxClass } from './graph';

/** Runs a mailbox job's handler with its Graph calls counted under the mailbox's kind (user, shared, …). */
export function byMailboxClass(store: Store, handler: JobHandler): JobHandler {
  return async (ctx) => {
    const { mailboxId } = ctx.job.payload as { mailboxId?: string };
    const user = mailboxId ? await getArchiveUser(store.conn, mailboxId) : null;
    return inMailboxClass(user?.kind ?? 'user', () => handler(ctx));
  };
}
