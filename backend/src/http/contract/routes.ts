import type { z } from 'zod';
import { profileInputSchema } from '../../archiving/profile';
import { directorySettingsSchema } from '../../directory/settings';
import { caseInput, exportInput, searchInput, tagInput } from '../../retention/cases';
import { erasureInput } from '../../retention/erasure';
import { holdInput, liftInput } from '../../retention/holds';
import { settingsInput as retentionSettingsInput } from '../../retention/settings';
import { journalMailboxInputSchema, journalMailboxPatchSchema, journalProfileInputSchema } from '../../journal/profile';
import { proofInput, sealInput } from '../routes/integrity';
import { logQuery, previewBody, rulesBody } from '../routes/retention';
import { caseHold, pageQuery, tagQuery } from '../routes/cases';
import { rejectBody } from '../routes/erasure';
import { quarantineQuery, reportsQuery, spoolQuery } from '../routes/journal';
import { completenessQuery, failedMessagesQuery } from '../routes/completeness';
import { enabledPatch, runsQuery } from '../routes/profiles';
import { auditQuery, grantFilter, grantInput, verifyQuery } from '../routes/access';
import { statsQuery } from '../routes/admin-stats';
import { archiveUsersQuery, manualUserSchema } from '../routes/directory';
import { newImport, newUpload, notesQuery, settingsBody } from '../routes/imports';
import { restoreBody, viewQuery } from '../routes/messages';
import { operationsQuery } from '../routes/operations';
import { facetsQuery, searchQuery } from '../routes/search';
import * as w from './schemas';

export interface RouteContract {
  summary?: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The JSON answer on success; none for a download, a stream or an answer not described yet. */
  response?: z.ZodType;
  status?: number;
}

/**
 * Every route under /api, as `METHOD /path`, with the zod schemas of what it takes and answers:
 * the source of `GET /api/openapi.json`. test/http/openapi.test.ts fails when a served route is
 * missing here (or an entry names no route), so a new route needs a line.
 */
export const API_ROUTES: Record<string, RouteContract> = {
  'GET /api/openapi.json': { summary: 'This document.' },
  'GET /api/me': { summary: 'The signed-in caller.', response: w.Me },
  'GET /api/archives': { summary: 'The archives the caller may read.', response: w.ArchiveList },
  'GET /api/search': { summary: 'Full-text search of one archive or all the caller may read.', query: searchQuery, response: w.SearchPage },
  'GET /api/search/facets': { summary: "A search's counts by folder, year, attachment and sender.", query: facetsQuery, response: w.Facets },
  'POST /api/export': { summary: 'Export a selection as a ZIP of .eml files (a download).' },
  'GET /api/messages/{id}': { summary: 'One archived message, parsed and sanitised.', query: viewQuery, response: w.MessageDetail },
  'GET /api/messages/{id}/conversation': { summary: "The message's thread, oldest first.", response: w.Conversation },
  'POST /api/messages/{id}/view-ticket': { summary: 'A short-lived ticket that opens the view in an iframe.', response: w.ViewTicket },
  'GET /api/messages/{id}/view': { summary: 'The message as a sandboxed HTML page.', query: viewQuery },
  'GET /api/messages/{id}/raw': { summary: 'The original .eml (a download).' },
  'GET /api/messages/{id}/attachments/{index}': { summary: 'One attachment (a download).' },
  'GET /api/messages/{id}/cid/{contentId}': { summary: 'An inline image of the HTML body.' },
  'POST /api/messages/{id}/restore': { summary: 'Restore the message into its mailbox or online archive.', body: restoreBody },
  'GET /api/messages/{id}/hold': { summary: 'Whether the message is under a legal hold.', response: w.HoldStatus },

  'GET /api/audit': { summary: 'The audit trail, newest first.', query: auditQuery, response: w.AuditPage },
  'GET /api/audit/verify': { summary: 'Re-hash the audit chain (or a range of it).', query: verifyQuery, response: w.AuditVerification },
  'GET /api/admin/grants': { query: grantFilter, response: w.GrantList },
  'POST /api/admin/grants': { body: grantInput, response: w.Grant },
  'DELETE /api/admin/grants': {},
  'GET /api/admin/stats': { summary: 'The dashboard: storage, recent runs, what needs attention.', query: statsQuery, response: w.Stats },
  'GET /api/admin/operations': { summary: 'Operations health: backlog, failing mailboxes, last success per profile, growth and forecast.', query: operationsQuery, response: w.OperationsOverview },
  'GET /api/admin/reindex': { summary: 'The latest reindex of every archive, and the text caps in force.', response: w.SearchIndexState },
  'POST /api/admin/reindex': { summary: 'Reindex every archive.', response: w.SearchIndexState, status: 202 },

  'GET /api/admin/integrity': { summary: 'The ledger, the last verification and encryption.', response: w.IntegrityStatus },
  'POST /api/admin/integrity/proof': { summary: 'A proof file that the messages are in the sealed ledger (a JSON download).', body: proofInput },
  'POST /api/admin/integrity/verify': { summary: 'Verify the whole archive now (a job).', response: w.JobStarted, status: 202 },
  'POST /api/admin/integrity/seal': { summary: 'Chain what is queued, close the open period and timestamp its root now.', body: sealInput, response: w.LedgerSeal },
  'PUT /api/admin/integrity/encryption': { body: enabledPatch, response: w.EncryptionStatus },
  'POST /api/admin/integrity/encryption/rotate': { summary: 'A new data key for what is stored from now on.', response: w.EncryptionStatus },
  'POST /api/admin/integrity/encryption/reencrypt': { summary: 'Rewrite what older keys encrypted with the current one (a job).', response: w.JobStarted, status: 202 },

  'GET /api/admin/profiles': { response: w.ProfileList },
  'POST /api/admin/profiles': { body: profileInputSchema, response: w.Profile, status: 201 },
  'GET /api/admin/profiles/{id}': { response: w.Profile },
  'PUT /api/admin/profiles/{id}': { body: profileInputSchema, response: w.Profile },
  'PATCH /api/admin/profiles/{id}': { summary: 'Enable or disable the profile.', body: enabledPatch, response: w.Profile },
  'DELETE /api/admin/profiles/{id}': { status: 204 },
  'POST /api/admin/profiles/{id}/test': { response: w.ConnectionTest },
  'POST /api/admin/profiles/{id}/run': { summary: 'Start a run of the profile now.', response: w.Run, status: 202 },
  'GET /api/admin/runs': { query: runsQuery, response: w.RunList },
  'GET /api/admin/runs/{id}': { response: w.RunDetail },
  'POST /api/admin/runs/{id}/cancel': { response: w.RunCancelled, status: 202 },
  'GET /api/admin/runs/{id}/completeness': { summary: "The run's completeness report.", response: w.CompletenessReport },
  'GET /api/admin/completeness': { summary: "The newest completeness report: of one profile's runs, or of any.", query: completenessQuery, response: w.CompletenessReport },
  'GET /api/admin/failed-messages': { query: failedMessagesQuery, response: w.FailedMessageList },
  'POST /api/admin/failed-messages/{id}/retry': { summary: 'Archive a message that failed for good again.', response: w.FailedMessageRetried, status: 202 },

  'GET /api/admin/directory/settings': { response: w.DirectorySettings },
  'PUT /api/admin/directory/settings': { body: directorySettingsSchema, response: w.DirectorySettings },
  'POST /api/admin/directory/sync': { response: w.DirectorySyncResult },
  'GET /api/admin/directory/users': { query: archiveUsersQuery, response: w.ArchiveUserList },
  'POST /api/admin/directory/users': { summary: 'Add an archive user by hand (or a catch-all).', body: manualUserSchema, response: w.ArchiveUser, status: 201 },

  'GET /api/admin/journal/status': { response: w.JournalStatus },
  'GET /api/admin/journal/mailboxes': { response: w.JournalMailboxList },
  'POST /api/admin/journal/mailboxes': { body: journalMailboxInputSchema, response: w.JournalMailbox, status: 201 },
  'GET /api/admin/journal/mailboxes/{address}': { response: w.JournalMailbox },
  'PATCH /api/admin/journal/mailboxes/{address}': { body: journalMailboxPatchSchema, response: w.JournalMailbox },
  'POST /api/admin/journal/mailboxes/{address}/secret': { summary: 'Replace the SMTP secret: the answer shows the new one once.', response: w.JournalMailbox },
  'DELETE /api/admin/journal/mailboxes/{address}': { summary: 'Delete a journal mailbox no profile archives and no report waits in.', status: 204 },
  'GET /api/admin/journal/profiles': { response: w.JournalProfileList },
  'POST /api/admin/journal/profiles': { body: journalProfileInputSchema, response: w.JournalProfileSaved, status: 201 },
  'GET /api/admin/journal/profiles/{id}': { response: w.JournalProfile },
  'PUT /api/admin/journal/profiles/{id}': { body: journalProfileInputSchema, response: w.JournalProfileSaved },
  'PATCH /api/admin/journal/profiles/{id}': { summary: 'Enable or disable the profile.', body: enabledPatch, response: w.JournalProfileSaved },
  'DELETE /api/admin/journal/profiles/{id}': { status: 204 },
  'GET /api/admin/journal/reports': { summary: 'Processed journal reports, newest first.', query: reportsQuery, response: w.JournalReportList },
  'GET /api/admin/journal/reports/{id}': { response: w.JournalReport },
  'GET /api/admin/journal/spool': { summary: 'The backlog: reports spooled and not yet processed (held: waiting for an enabled profile).', query: spoolQuery, response: w.SpoolList },
  'POST /api/admin/journal/spool/{id}/retry': { summary: 'Process the spooled report again (a job).', response: w.JobStarted, status: 202 },
  'GET /api/admin/journal/quarantine': { query: quarantineQuery, response: w.QuarantineList },
  'GET /api/admin/journal/quarantine/{id}': { response: w.QuarantinedReport },
  'GET /api/admin/journal/quarantine/{id}/raw': { summary: 'The quarantined bytes (a download).' },
  'DELETE /api/admin/journal/quarantine/{id}': { status: 204 },

  'GET /api/admin/retention/policies': { response: w.RetentionPolicyList },
  'POST /api/admin/retention/preview': { summary: 'What a policy change would dispose of (policyId null: a new policy; rules null: removing it).', body: previewBody, response: w.PolicyPreview },
  'POST /api/admin/retention/policies': { summary: 'Create a policy: 201 in force, 202 waiting for approval.', body: rulesBody, response: w.PolicyChange, status: 201 },
  'PUT /api/admin/retention/policies/{id}': { summary: 'Change a policy: 200 in force, 202 waiting for approval.', body: rulesBody, response: w.PolicyChange },
  'DELETE /api/admin/retention/policies/{id}': { summary: 'Remove a policy: 200 done, 202 waiting for approval.', response: w.PolicyChange },
  'POST /api/admin/retention/policies/{id}/approve': { summary: "A second administrator approves the policy's pending change.", response: w.PolicyDecision },
  'POST /api/admin/retention/policies/{id}/reject': { response: w.PolicyDecision },
  'GET /api/admin/retention/settings': { response: w.RetentionSettings },
  'PUT /api/admin/retention/settings': { body: retentionSettingsInput, response: w.RetentionSettings },
  'POST /api/admin/retention/disposal': { summary: 'Run disposal now (a job).', response: w.DisposalStarted, status: 202 },
  'GET /api/admin/retention/disposal': { summary: 'The latest disposal runs.', response: w.DisposalRunList },
  'GET /api/admin/erasure-requests': { response: w.ErasureRequestList },
  'POST /api/admin/erasure-requests': { summary: 'File an erasure request; a second administrator approves it.', body: erasureInput, response: w.ErasureRequest, status: 201 },
  'GET /api/admin/erasure-requests/{id}': { response: w.ErasureRequestDetail },
  'POST /api/admin/erasure-requests/{id}/approve': { summary: 'A second administrator approves: the erasure runs (a job).', response: w.ErasureRequest, status: 202 },
  'POST /api/admin/erasure-requests/{id}/reject': { body: rejectBody, response: w.ErasureRequest },
  'GET /api/admin/erasure-requests/{id}/certificate': { summary: 'What the erasure did (409 until it has run).', response: w.ErasureCertificate },
  'GET /api/compliance/disposals': { summary: 'The disposal and erasure log, newest first.', query: logQuery, response: w.DisposalLogPage },
  'GET /api/compliance/holds': { response: w.LegalHoldList },
  'POST /api/compliance/holds': { body: holdInput, response: w.LegalHold, status: 201 },
  'GET /api/compliance/holds/{id}': { response: w.LegalHoldDetail },
  'POST /api/compliance/holds/{id}/lift': { body: liftInput, response: w.LegalHold },
  'GET /api/compliance/cases': { response: w.CaseList },
  'POST /api/compliance/cases': { body: caseInput, response: w.Case, status: 201 },
  'GET /api/compliance/cases/{id}': { summary: 'The case with its holds, exports and tags.', response: w.CaseDetail },
  'POST /api/compliance/cases/{id}/searches': { summary: 'Save a search in the case.', body: searchInput, response: w.Case, status: 201 },
  'GET /api/compliance/cases/{id}/searches/{searchId}/results': { summary: 'A page of what the saved search finds in every archive.', query: pageQuery, response: w.SearchPage },
  'GET /api/compliance/cases/{id}/tags': { query: tagQuery, response: w.CaseTagList },
  'POST /api/compliance/cases/{id}/tags': { body: tagInput, response: w.Tagged },
  'POST /api/compliance/cases/{id}/untag': { body: tagInput, response: w.Untagged },
  'POST /api/compliance/cases/{id}/holds': { summary: "A hold on what one of the case's saved searches finds.", body: caseHold, response: w.LegalHold, status: 201 },
  'POST /api/compliance/cases/{id}/exports': { summary: 'Export a saved search or a tag as a verifiable ZIP (a download).', body: exportInput },
  'GET /api/compliance/cases/{id}/exports': { response: w.CaseExportList },

  'GET /api/imports/settings': { response: w.ImportSettings },
  'PUT /api/imports/settings': { body: settingsBody, response: w.ImportSettingsSaved },
  'POST /api/imports/uploads': { summary: 'Start a resumable upload (then PATCH its bytes with Upload-Offset).', body: newUpload, response: w.UploadStatus, status: 201 },
  'GET /api/imports/uploads/{id}': { response: w.UploadStatus },
  'PATCH /api/imports/uploads/{id}': { summary: 'Append bytes (application/octet-stream) at the Upload-Offset header.', response: w.UploadStatus },
  'POST /api/imports': { body: newImport, response: w.ImportItem, status: 201 },
  'GET /api/imports': { response: w.ImportList },
  'GET /api/imports/{id}': { response: w.ImportItem },
  'GET /api/imports/{id}/notes': { query: notesQuery, response: w.ImportNoteList },
  'POST /api/imports/{id}/{action}': { summary: 'pause, resume or cancel the import.', response: w.ImportItem },
};
