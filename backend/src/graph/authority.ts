import { z } from 'zod';

/** The parts of an OpenID Connect discovery document that msal-node and jose need. */
const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  end_session_endpoint: z.string().url().optional(),
});
export type AuthorityMetadata = z.infer<typeof metadataSchema>;

/**
 * Reads the tenant's OIDC metadata once. We pass it to msal-node as `authorityMetadata` so msal
 * never performs instance discovery against the public cloud: the same code then works for
 * login.microsoftonline.com, national clouds and the local emulator.
 */
export async function fetchAuthorityMetadata(authority: string, tenantId: string): Promise<AuthorityMetadata> {
  return fetchMetadata(`${authority}/v2.0/.well-known/openid-configuration`, tenantId);
}

/**
 * The issuer of v1.0 access tokens (an API registered with `requestedAccessTokenVersion` null or
 * 1 receives those): Entra says to read it from the v1.0 metadata, not to build it
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#v10-and-v20-tokens);
 * `https://sts.windows.net/{tid}/` in the public cloud.
 */
export async function fetchV1Issuer(authority: string, tenantId: string): Promise<string> {
  return (await fetchMetadata(`${authority}/.well-known/openid-configuration`, tenantId)).issuer;
}

async function fetchMetadata(url: string, tenantId: string): Promise<AuthorityMetadata> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new Error(`Cannot reach the identity provider at ${url}: ${describeFetchError(err)}`);
  }
  if (!res.ok) throw new Error(`Identity provider answered ${res.status} for ${url}`);
  const parsed = metadataSchema.safeParse(await res.json());
  if (!parsed.success) throw new Error(`Identity provider metadata at ${url} is incomplete: ${parsed.error.message}`);
  // Multi-tenant metadata carries a {tenantid} template (Entra docs: "Validate the issuer").
  return { ...parsed.data, issuer: parsed.data.issuer.replace('{tenantid}', tenantId) };
}

export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
