import type { Router } from 'express';
import type { ServiceDeps } from '../../deps';
import { directoryRoutes } from './directory';
import { profileRoutes } from './profiles';

/** Every authenticated API router, mounted under /api in this order. One line per resource. */
export function apiRouters(deps: ServiceDeps): Router[] {
  return [
    profileRoutes(deps),
    directoryRoutes(deps),
  ];
}
