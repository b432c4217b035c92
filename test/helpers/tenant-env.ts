/** What the emulator tells a backend about its tenant (an in-process handle, or a process's `info`). */
export interface EmulatedTenant {
  tenantId: string;
  url: string;
  graphBaseUrl: string;
  apps: { backend: { clientId: string; clientSecret: string } };
}

/** The backend's configuration for the emulated tenant: sign-in, app credential and Graph. */
export function tenantEnv(t: EmulatedTenant): Record<string, string> {
  return {
    TENANT_ID: t.tenantId,
    CLIENT_ID: t.apps.backend.clientId,
    CLIENT_SECRET: t.apps.backend.clientSecret,
    AUTHORITY_HOST: t.url,
    GRAPH_BASE_URL: t.graphBaseUrl,
  };
}
