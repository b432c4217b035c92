import type { JobHandler } from '../jobs/worker';
import type { Store } from '../store';
import { getArchiveUser } from '../store/directory';
import { classifyPrincipal } from './graph';

/** Runs a mailbox job's handler after classing its mailbox, group or user by kind (user, shared, group, …) for the Graph metrics. */
export function byMailboxClass(store: Store, handler: JobHandler): JobHandler {
  return async (ctx) => {
    const { mailboxId } = ctx.job.payload as { mailboxId?: string };
    const user = mailboxId ? await getArchiveUser(store.conn, mailboxId) : null;
    if (mailboxId) classifyPrincipal(mailboxId, user?.kind ?? 'user');
    return handler(ctx);
  };
}
