import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { DEFAULT_THROTTLE, DEMO, GRAPH_APP_ID, GRAPH_RESOURCE } from './config';
import { handleControl } from './control';
import { GrantStore } from './entra/grants';
import { userToken, v2Issuer } from './entra/issue';
import type { IssuerContext } from './entra/issue';
import { createSigningKeys } from './entra/keys';
import { OIDC_SCOPES, resourceOf } from './entra/scopes';
import type { EntraContext } from './entra/routes';
import { Faults } from './faults';
import type { FaultRule } from './faults';
import type { PipelineDeps } from './graph/pipeline';
import { frontPage } from './front-page';
import { createEmulatorServer } from './server';
import type { ServerDeps } from './server';
import { Stats } from './stats';
import type { StatsFilter } from './stats';
import { Throttler } from './throttle';
import { ensureCertificates } from './tls';
import { JournalSender } from './journal/sender';
import { Tenant } from './tenant/model';
import { seedDemo, type DemoOptions } from './tenant/seed-demo';
import { seedGenerated } from './tenant/seed-generated';
import type { GeneratedSeed } from './tenant/seed-generated';
import { registerDemoApps } from './tenant/seed-directory';

export { DEMO } from './config';
export { selfSignedCertificate } from './tls';
export { DEMO_USERS, ALL_HANDS_MESSAGE_ID, DEMO_FILE_WORDS } from './tenant/seed-demo';
export type { DemoOptions } from './tenant/seed-demo';
export { BACKEND_APP_ROLES } from './tenant/seed-directory';
export { teamworkOf } from './teams/model';
export { DEMO_CHATS, DEMO_CHANNELS, FALCON_TEAM_ID } from './teams/seed';
export type { Tenant } from './tenant/model';
export type { FaultRule } from './faults';
export type { JournalSender, JournalTarget, InternalMail, JournaledMail } from './journal/sender';

export interface StartOptions {
  /** Default 0: a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  seed?: 'demo' | 'empty' | GeneratedSeed;
  /** The demo tenant's date and size (seed 'demo'). */
  demo?: DemoOptions;
  /** Scales throttle windows and Retry-After: 1 = real time, 0.01 = 100x faster (Retry-After stays an integer >= 1). */
  timeScale?: number;
  /** Defaults 4 / 10000 / 600: Exchange Online's limits per app and mailbox. */
  throttle?: { concurrency?: number; requestsPerWindow?: number; windowSeconds?: number } | false;
}

export interface UserTokenOptions {
  /**
   * Default: the backend API (its client id). An Application ID URI asks for the API by that name
   * (a v1.0 token then carries it as `aud`). Use 'https://graph.microsoft.com' for a delegated Graph token.
   */
  audience?: string;
  scopes?: string[];
  roles?: string[];
  /** Graph accepts tokens up to five minutes past `exp` (clock skew), as Entra-protected APIs do. */
  expiresInSeconds?: number;
  /** Signs a token with the tenant's key but another `iss`, to test issuer validation. */
  issuer?: string;
  /** Signs a token with claims set or replaced (any JSON, e.g. `roles` as a string), to test claim validation. */
  claims?: Record<string, unknown>;
}

export interface EmulatorHandle {
  url: string;
  tenantId: string;
  authority: string;
  graphBaseUrl: string;
  caCertPath: string;
  apps: {
    backend: { clientId: string; clientSecret: string; apiScope: string };
    spa: { clientId: string };
  };
  /** The in-memory tenant; its message and folder methods go through change tracking, so they show up in delta. */
  tenant: Tenant;
  /** Injected failures on matching Graph (and Entra) requests; each rule fires `times` times (default 1) or for `forMs`. */
  faults: { inject(rule: FaultRule): void; clear(): void };
  /**
   * Graph requests received, by mailbox (id or UPN), path and answer (status, error code): every
   * $batch part counts as one request (Exchange throttles parts individually) and each envelope
   * once as `/v1.0/$batch`.
   */
  stats: { requests(filter?: StatsFilter): number; reset(): void };
  issueUserToken(user: string, opts?: UserTokenOptions): Promise<string>;
  /** The tenant's journal rule: mail sent with `sendInternalMail` is journaled by SMTP to the configured gateway. */
  journal: JournalSender;
  close(): Promise<void>;
}

export async function startEmulator(opts: StartOptions = {}): Promise<EmulatorHandle> {
  const certs = await ensureCertificates();
  const tenant = new Tenant(DEMO.tenantId, DEMO.tenantName, DEMO.domain);
  const seed = opts.seed ?? 'demo';
  if (seed === 'demo') seedDemo(tenant, opts.demo);
  else if (seed === 'empty') registerDemoApps(tenant);
  else seedGenerated(tenant, seed);

  const keys = await createSigningKeys();
  const resolveMailbox = (ref: string) => tenant.findUser(ref)?.user.id;
  const resolveMessage = (id: string) => {
    for (const mb of tenant.mailboxes.values()) {
      const rec = mb.find(id);
      if (rec) return rec.immutableId;
    }
    return undefined;
  };
  const faults = new Faults(resolveMailbox, resolveMessage);
  const stats = new Stats(resolveMailbox);
  const throttle = new Throttler(opts.throttle === false ? false : { ...DEFAULT_THROTTLE, ...(opts.throttle ?? {}) }, opts.timeScale ?? 1);
  // The server must listen before its URL (and so every issuer and link) is known.
  const wiring: { deps?: ServerDeps } = {};
  const server = createEmulatorServer({ key: readFileSync(certs.keyPath), cert: readFileSync(certs.certPath) }, () => wiring.deps!);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://localhost:${port}`;
  const issuer: IssuerContext = { url, tenantId: tenant.id, keys };
  const entra: EntraContext = { ...issuer, tenant, grants: new GrantStore() };
  const graph: PipelineDeps = {
    env: { tenant, graphBase: url, tokenSecret: randomBytes(32) },
    auth: { keys, tenantId: tenant.id, v2Issuer: v2Issuer(issuer) },
    throttle, faults, stats,
  };

  const issueUserToken = async (user: string, o: UserTokenOptions = {}): Promise<string> => {
    const rec = tenant.mustUser(user);
    const backend = tenant.apps.get(DEMO.backend.clientId)!;
    const spa = tenant.apps.get(DEMO.spa.clientId)!;
    const audience = o.audience ?? backend.clientId;
    const lifetimeSeconds = o.expiresInSeconds;
    if ([GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID].includes(audience)) {
      const scopes = o.scopes ?? backend.graphDelegated.filter((s) => !OIDC_SCOPES.includes(s));
      return userToken(issuer, { user: rec, client: backend, resource: { kind: 'graph' }, scopes, roles: o.roles, lifetimeSeconds });
    }
    const resource = resourceOf(audience, tenant);
    if (resource.kind !== 'api') throw new Error(`unknown audience ${audience}`);
    const api = resource.app;
    const roles = o.roles ?? rec.appRoles.filter((r) => api.appRoles.includes(r));
    return userToken(issuer, { user: rec, client: spa, resource, scopes: o.scopes ?? api.exposedScopes, roles, lifetimeSeconds, issuer: o.issuer, claims: o.claims });
  };

  const handle: EmulatorHandle = {
    url,
    tenantId: tenant.id,
    authority: `${url}/${tenant.id}`,
    graphBaseUrl: url,
    caCertPath: certs.caCertPath,
    apps: {
      backend: { clientId: DEMO.backend.clientId, clientSecret: DEMO.backend.clientSecret, apiScope: `api://${DEMO.backend.clientId}/access_as_user` },
      spa: { clientId: DEMO.spa.clientId },
    },
    tenant,
    faults: { inject: (rule) => faults.inject(rule), clear: () => faults.clear() },
    stats: { requests: (filter) => stats.requests(filter), reset: () => stats.reset() },
    issueUserToken,
    journal: new JournalSender(tenant),
    close: async () => {
      handle.journal.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const info = () => ({
    url: handle.url, tenantId: handle.tenantId, authority: handle.authority, graphBaseUrl: handle.graphBaseUrl,
    caCertPath: handle.caCertPath, apps: handle.apps,
  });
  wiring.deps = { graph, entra, front: (req) => frontPage(tenant, certs.caCertPath, req), control: (req) => handleControl({ tenant, info, faults: handle.faults, stats: handle.stats, issueUserToken, journal: handle.journal }, req) };
  return handle;
}
