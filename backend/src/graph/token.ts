import { ConfidentialClientApplication, LogLevel, type NodeAuthOptions } from '@azure/msal-node';
import type { ClientCredential, Config } from '../config';
import type { Logger } from '../log';
import type { AuthorityMetadata } from './authority';

export interface TokenSource {
  /** An application token for Microsoft Graph (client credentials), kept until 5 minutes before it expires. */
  graphToken(): Promise<string>;
}

export function createTokenSource(config: Config, metadata: AuthorityMetadata, log: Logger): TokenSource {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: config.CLIENT_ID,
      ...credentialOptions(config.credential),
      authority: config.authority,
      knownAuthorities: [new URL(config.AUTHORITY_HOST).host],
      authorityMetadata: JSON.stringify(metadata),
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (_level, message) => log.debug({ msal: message }, 'msal'),
      },
    },
  });
  let held: { token: string; renewAt: number } | undefined;
  return {
    async graphToken() {
      if (held && Date.now() < held.renewAt) return held.token;
      const result = await msal.acquireTokenByClientCredential({ scopes: [config.GRAPH_SCOPE] });
      if (!result?.accessToken) throw new Error('Entra ID returned no access token for Microsoft Graph');
      held = { token: result.accessToken, renewAt: (result.expiresOn?.getTime() ?? 0) - RENEW_BEFORE_MS };
      return result.accessToken;
    },
  };
}

/**
 * msal-node answers from its cache until 5 minutes before the token expires (its default
 * `tokenRenewalOffsetSeconds`), but searches its cache afresh on every call, and every Graph
 * request asks: 5.5 s of the backend's 338 s of CPU in a first run of `bench:archive`. The token
 * is kept here until msal would renew it.
 */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * msal-node signs a client assertion with the certificate's key: PS256 with `x5t#S256` when given
 * the SHA-256 thumbprint, RS256 with `x5t` for a SHA-1 one
 * (https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials).
 */
function credentialOptions(credential: ClientCredential): Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> {
  if (credential.kind === 'secret') return { clientSecret: credential.secret };
  const { privateKey, thumbprintSha256, thumbprint, x5c } = credential;
  return { clientCertificate: { privateKey, ...(thumbprintSha256 ? { thumbprintSha256 } : { thumbprint: thumbprint! }), ...(x5c ? { x5c } : {}) } };
}
