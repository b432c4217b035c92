import { useEffect, useState } from 'react';

/** The URL fragment as path segments (`#profiles/run/abc` → ['profiles', 'run', 'abc']), followed live. */
export function useHashPath(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [path, setPath] = useState(read);
  useEffect(() => {
    const sync = () => setPath(read());
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, []);
  return path;
}

export const hrefTo = (...segments: string[]) => `#${segments.map(encodeURIComponent).join('/')}`;

export const navigate = (...segments: string[]) => {
  location.hash = hrefTo(...segments);
};
