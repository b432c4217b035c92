/** Who is calling, as proven by an Entra ID access token for this API (http/auth.ts) or the admin CLI. */
export interface Caller {
  oid: string;
  tenantId: string;
  upn: string;
  name: string;
  roles: ReadonlySet<Role>;
}
export type Role = 'admin' | 'auditor';
