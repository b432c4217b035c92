import type { Router } from 'express';
import type { ServiceDeps } from '../../deps';
import { accessRoutes } from './access';
import { adminStatsRoutes } from './admin-stats';
import { caseRoutes } from './cases';
import { completenessRoutes } from './completeness';
import { directoryRoutes } from './directory';
import { erasureRoutes } from './erasure';
import { exportRoutes } from './export';
import { holdRoutes } from './holds';
import { importRoutes } from './imports';
import { integrityRoutes } from './integrity';
import { journalRoutes } from './journal';
import { messageRoutes } from './messages';
import { operationsRoutes } from './operations';
import { profileRoutes } from './profiles';
import { retentionRoutes } from './retention';
import { reindexRoutes } from './reindex';
import { searchRoutes } from './search';

/** Every authenticated API router, mounted under /api in this order. One line per resource. */
export function apiRouters(deps: ServiceDeps): Router[] {
  return [
    profileRoutes(deps),
    completenessRoutes(deps),
    directoryRoutes(deps),
    accessRoutes(deps),
    messageRoutes(deps),
    exportRoutes(deps),
    importRoutes(deps),
    integrityRoutes(deps),
    journalRoutes(deps),
    adminStatsRoutes(deps),
    operationsRoutes(deps),
    reindexRoutes(deps),
    searchRoutes(deps),
    retentionRoutes(deps),
    holdRoutes(deps),
    erasureRoutes(deps),
    caseRoutes(deps),
  ];
}
