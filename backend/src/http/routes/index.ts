import type { Router } from 'express';
import type { ServiceDeps } from '../../deps';
import { accessRoutes } from './access';
import { adminStatsRoutes } from './admin-stats';
import { caseRoutes } from './cases';
import { directoryRoutes } from './directory';
import { erasureRoutes } from './erasure';
import { exportRoutes } from './export';
import { holdRoutes } from './holds';
import { journalRoutes } from './journal';
import { messageRoutes } from './messages';
import { profileRoutes } from './profiles';
import { retentionRoutes } from './retention';
import { searchRoutes } from './search';

/** Every authenticated API router, mounted under /api in this order. One line per resource. */
export function apiRouters(deps: ServiceDeps): Router[] {
  return [
    profileRoutes(deps),
    directoryRoutes(deps),
    accessRoutes(deps),
    messageRoutes(deps),
    exportRoutes(deps),
    journalRoutes(deps),
    adminStatsRoutes(deps),
    searchRoutes(deps),
    retentionRoutes(deps),
    holdRoutes(deps),
    erasureRoutes(deps),
    caseRoutes(deps),
  ];
}
