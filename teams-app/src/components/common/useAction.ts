import { useState } from 'react';

/**
 * A button's work: runs it, keeps the error for the form to show next to its field (or in a bar),
 * then reloads what the work changed.
 */
export function useAction(after?: () => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setError(null);
    setBusy(true);
    try {
      return await work();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
      await after?.();
    }
  };
  return { error, busy, run, clear: () => setError(null) };
}
