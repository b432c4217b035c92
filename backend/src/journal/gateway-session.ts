import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log';
import { journalReports } from '../metrics';
import type { Store } from '../store';
import { getJournalMailbox } from '../store/journal';
import type { SmtpTrace } from '../store/journal-spool';
import type { GatewayOptions } from './gateway';
import { ConnectionCounter, HostAllowList, plainAddress, RateLimiter } from './gateway-limits';
import { receive, spoolReport, SpoolWriter } from './gateway-receive';
import { verifySecret } from './secrets';
import { BackPressure } from './back-pressure';

const AUTH_FAILURES_PER_MINUTE = 10;
const MAILBOX_CACHE_MS = 5_000;

/**
 * The SMTP dialogue, step by step: who may connect, AUTH, TLS before MAIL, which recipients,
 * and DATA, answered 250 only once the report is spooled. A failure of ours (the database, say)
 * is answered 4xx, so the sender tries again; only what the sender got wrong is answered 5xx.
 */
type Callback = (err?: Error | null) => void;

export function sessionHandlers(store: Store, log: Logger, opts: GatewayOptions) {
  // STARTTLS only with a certificate; AUTH only where it can run over TLS, and with TLS offered
  // it is not even advertised before STARTTLS (per session, below).
  const disabledCommands = [...(opts.tls ? [] : ['STARTTLS']), ...(opts.auth === 'off' ? ['AUTH'] : [])];
  const authAfterTls = opts.tls !== null && opts.auth !== 'off';
  const certified = new WeakSet<SMTPServerSession>();
  const allow = new HostAllowList(opts.allowedHosts);
  const connections = new ConnectionCounter(opts.maxConnectionsPerHost);
  const rate = new RateLimiter(opts.ratePerMinute);
  const authFailures = new RateLimiter(AUTH_FAILURES_PER_MINUTE);
  const counted = new Set<string>();
  const mailboxes = new Map<string, { exists: boolean; until: number }>();
  const writer = new SpoolWriter(store, log, new BackPressure(store, opts.backlogLimit));
  const host = (s: SMTPServerSession) => plainAddress(s.remoteAddress);

  const mailboxExists = async (address: string) => {
    const cached = mailboxes.get(address);
    if (cached && cached.until > Date.now()) return cached.exists;
    const exists = (await getJournalMailbox(store.conn, address)) !== null;
    mailboxes.set(address, { exists, until: Date.now() + MAILBOX_CACHE_MS });
    return exists;
  };

  const callbacks = {
    onConnect(session: SMTPServerSession, done: Callback) {
      settle(done, async () => {
        if (!(await allow.allows(host(session), session.clientHostname))) {
          log.warn({ remote: session.remoteAddress, hostname: session.clientHostname }, 'refused a host that is not allowed');
          throw smtpError(554, '5.7.1 Your host is not allowed to send to this gateway');
        }
        if (!connections.tryOpen(host(session))) throw smtpError(421, '4.7.0 Too many connections from your host, try again later');
        counted.add(session.id);
        if (authAfterTls) session.disabledCommands = [...disabledCommands, 'AUTH'];
      });
    },
    onSecure(socket: TLSSocket, session: SMTPServerSession, done: Callback) {
      session.disabledCommands = disabledCommands;
      const name = opts.clientNames.length > 0 && socket.authorized ? certificateName(socket.getPeerCertificate(), opts.clientNames) : null;
      if (name) certified.add(session);
      else if (opts.clientNames.length > 0) log.warn({ remote: session.remoteAddress, reason: socket.authorizationError ?? 'name not allowed' }, 'TLS client certificate not accepted');
      done();
    },
    onClose(session: SMTPServerSession) {
      if (counted.delete(session.id)) connections.close(host(session));
    },
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, done: (err: Error | null | undefined, res?: { user?: string }) => void) {
      const check = async () => {
        if (authFailures.exhausted(host(session))) throw smtpError(454, '4.7.0 Too many failed authentications, try again later');
        const mailbox = auth.username ? await getJournalMailbox(store.conn, auth.username) : null;
        if (mailbox && auth.password && (await verifySecret(auth.password, mailbox.secretHash))) return mailbox._id;
        authFailures.take(host(session));
        log.warn({ remote: session.remoteAddress, user: auth.username }, 'failed SMTP authentication');
        throw smtpError(535, '5.7.8 Authentication credentials invalid');
      };
      check().then((user) => done(null, { user }), (err: Error) => done(temporary(err)));
    },
    onMailFrom(_address: unknown, session: SMTPServerSession, done: Callback) {
      if (opts.requireTls && !session.secure) return done(smtpError(530, '5.7.0 Must issue a STARTTLS command first'));
      if (opts.auth === 'required' && !session.user) return done(smtpError(530, '5.7.0 Authentication required'));
      if (opts.clientNames.length > 0 && !certified.has(session)) {
        return done(smtpError(550, '5.7.1 Reports are accepted only from senders with a configured TLS client certificate'));
      }
      if (!rate.take(host(session))) return done(smtpError(451, '4.7.1 Too many messages from your host, try again later'));
      // Held while the backlog is over its bound, as Exchange's back pressure holds MAIL FROM.
      void writer.pressure.admit().then(() => done());
    },
    onRcptTo(rcpt: { address: string }, session: SMTPServerSession, done: Callback) {
      settle(done, async () => {
        const address = rcpt.address.toLowerCase();
        if (session.user && session.user !== address) throw smtpError(550, `5.7.1 Authenticated as ${session.user}: only reports to that mailbox are accepted`);
        if (!(await mailboxExists(address))) throw smtpError(550, '5.1.1 No such journal mailbox here');
      });
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null, message?: string) => void) {
      accept(stream, session).then((ids) => done(null, `2.0.0 Spooled as ${ids.join(' ')}`), (err: Error) => done(temporary(err)));
    },
  };

  const accept = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string[]> => {
    const received = await receive(stream, opts.maxBytes);
    if (received.kind === 'too-large' || stream.sizeExceeded) {
      if (received.kind === 'spooled') await received.spool.dispose();
      throw smtpError(552, `5.3.4 Message exceeds the gateway's limit of ${opts.maxBytes} bytes`);
    }
    try {
      const trace = traceOf(session);
      const ids = await spoolReport(store, writer, received.spool, [...new Set(trace.rcptTo)], trace);
      journalReports.inc({ outcome: 'accepted' });
      log.debug({ session: session.id, spoolIds: ids, size: received.spool.size }, 'journal report spooled');
      return ids;
    } catch (err) {
      log.error({ err, session: session.id }, 'spooling a journal report failed; answered 451');
      throw smtpError(451, '4.3.0 The report could not be stored, try again later');
    } finally {
      await received.spool.dispose();
    }
  };
  return { allow, callbacks, writer, disabledCommands };
}

/** The configured name the certificate is valid for, checked as a client checks a server's name. */
function certificateName(cert: PeerCertificate, names: string[]): string | null {
  return names.find((name) => checkServerIdentity(name, cert) === undefined) ?? null;
}

function traceOf(session: SMTPServerSession): SmtpTrace {
  const from = session.envelope.mailFrom;
  return {
    sessionId: session.id,
    remoteAddress: session.remoteAddress,
    clientHostname: session.clientHostname,
    helo: session.hostNameAppearsAs || '',
    mailFrom: from ? from.address : '',
    rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
    secure: session.secure,
    user: (session.user as string | undefined) ?? null,
  };
}

/** A failure of ours (the database, say) is temporary for the sender: 4xx, never a bounce. */
function settle(done: Callback, work: () => Promise<void>): void {
  work().then(() => done(), (err: Error) => done(temporary(err)));
}

function temporary(err: Error): Error {
  return 'responseCode' in err ? err : smtpError(451, '4.3.0 Temporary failure, try again later');
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}
