import { ConfidentialClientApplication, LogLevel, type NodeAuthOptions } from '@azure/msal-node';
import type { ClientCredential, Config } from '../config';
import type { Logger } from '../log';
import type { AuthorityMetadata } from './authority';

export interface TokenSource {
  /** An application token for Microsoft Graph (client credentials; msal caches and renews it). */
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
  return {
    async graphToken() {
      const result = await msal.acquireTokenByClientCredential({ scopes: [config.GRAPH_SCOPE] });
      if (!result?.accessToken) throw new Error('Entra ID returned no access token for Microsoft Graph');
      return result.accessToken;
    },
  };
}

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
