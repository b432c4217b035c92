import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { startEmulator } from '../../emulator/src/index';
import type { EmulatorHandle, StartOptions } from '../../emulator/src/index';

export async function emulator(opts: StartOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ seed: 'demo', timeScale: 0.01, ...opts });
}

export async function authorityMetadata(emu: EmulatorHandle): Promise<string> {
  const res = await fetch(`${emu.authority}/v2.0/.well-known/openid-configuration`);
  return JSON.stringify(await res.json());
}

/** The backend's confidential client, configured as production configures it for a non-public cloud. */
export async function backendClient(emu: EmulatorHandle, secret = emu.apps.backend.clientSecret): Promise<ConfidentialClientApplication> {
  return new ConfidentialClientApplication({
    auth: {
      clientId: emu.apps.backend.clientId,
      clientSecret: secret,
      authority: emu.authority,
      knownAuthorities: [new URL(emu.url).host],
      authorityMetadata: await authorityMetadata(emu),
    },
  });
}

export async function appToken(emu: EmulatorHandle): Promise<string> {
  const cca = await backendClient(emu);
  const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
  if (!result) throw new Error('no token');
  return result.accessToken;
}

export function graphClient(emu: EmulatorHandle, token: () => Promise<string>): Client {
  return Client.init({
    baseUrl: emu.graphBaseUrl,
    customHosts: new Set([new URL(emu.url).hostname]),
    authProvider: (done) => {
      token().then((t) => done(null, t), (e: Error) => done(e, null));
    },
  });
}

/** Plain fetch against Graph, for status codes and headers the SDK hides. */
export async function graphFetch(emu: EmulatorHandle, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.graphBaseUrl}/v1.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });
}

export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
