import type { ArchiveUser } from '../../api/types';

/** A placeholder address in the tenant's own domain (its users' commonest), so examples look like the admin's own mail. */
export function exampleAddress(users: ArchiveUser[], local: string): string {
  const counts = new Map<string, number>();
  for (const u of users) {
    const domain = u.upn.split('@')[1];
    if (domain) counts.set(domain, (counts.get(domain) ?? 0) + 1);
  }
  const [commonest] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['contoso.com'];
  return `${local}@${commonest}`;
}
