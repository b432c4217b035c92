import { createContext, useContext } from 'react';
import type { AdminClient } from './client';

export const ApiContext = createContext<AdminClient | null>(null);

export function useApi(): AdminClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}
