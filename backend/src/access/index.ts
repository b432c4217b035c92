/**
 * Privileges and the audit trail (MISSION M9, M13): which archives a caller may use, and the
 * append-only, hash-chained record of every access. Search, retrieval, export and journaling
 * call `requireArchive` / `archivesFor` before touching an archive and `audit` before answering.
 */
export { archivesFor, JOURNAL_QUARANTINE, requireArchive, requireQuarantineRead, type Right } from './rights';
export { audit, auditFrom, verifyAuditChain, type AuditAction, type AuditInput, type AuditVerification } from './audit';
export { readableArchives, type ArchiveView } from './archives';
