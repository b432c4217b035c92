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
  const url = `${authority}/v2.0/.well-known/openid-configuration`;
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
