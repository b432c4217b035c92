import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared real-mail corpus beside the repository; EMULATOR_CORPUS_DIR overrides it (tests of the fallback). */
export const corpusDir = process.env.EMULATOR_CORPUS_DIR ?? resolve(repoRoot, '..', 'shared', 'corpus');

/** Microsoft Graph's well-known application id (the resource behind https://graph.microsoft.com). */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** Fixed identifiers of the demo tenant, so documentation and manifests can name them. */
export const DEMO = {
  tenantId: '7f3c1a2e-4b5d-4c6e-9f80-1a2b3c4d5e6f',
  tenantName: 'Contoso Demo',
  domain: 'contoso.example',
  initialDomain: 'contosodemo.onmicrosoft.com',
  backend: {
    clientId: '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d',
    // A development-only secret: the emulator is never reachable from outside the machine.
    clientSecret: 'emu~backend~Secret.0123456789abcdefDEMO',
    servicePrincipalId: '5b1e2c3d-0a4f-4e6b-8c7d-000000000001',
    archiveAdminRoleId: 'c5a5e5f1-9d2b-4f0e-8a61-3b7f0d9e2a11',
    accessAsUserScopeId: 'e1d2c3b4-a596-4877-8899-aabbccddeeff',
  },
  spa: {
    clientId: '8d2f3e4a-1b5c-4d6e-9f70-0a1b2c3d4e5f',
    servicePrincipalId: '8d2f3e4a-1b5c-4d6e-9f70-000000000001',
  },
} as const;

export interface ThrottleOptions {
  concurrency: number;
  requestsPerWindow: number;
  windowSeconds: number;
}

/** Exchange Online's per app+mailbox limits (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits). */
export const DEFAULT_THROTTLE: ThrottleOptions = { concurrency: 4, requestsPerWindow: 10_000, windowSeconds: 600 };
