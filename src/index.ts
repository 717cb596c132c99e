/**
 * Sunder: split collected records into a sealed identity vault and pseudonymised, scrubbed,
 * encrypted business objects, stored apart.
 */
export { SunderError, isSunderError, type ErrorCode } from './errors.js';

// Records, policy, outcomes
export {
  collectedRecordSchema, consentSchema, subjectSchema, guardianSchema, businessSchema, mediaRefSchema,
  CONSENT_SCOPES, MEDIA_KINDS, SCOPE_OF_MEDIA,
  type CollectedRecord, type CollectedRecordInput, type Subject, type Guardian, type Consent, type MediaRef, type ConsentScope, type MediaKind,
} from './record/schema.js';
export { policySchema, parsePolicy, loadPolicy, DEFAULT_POLICY, INPUT_ENCODINGS, type InputEncoding, type Policy, type PolicyInput } from './record/policy.js';
export { REJECT_CODES, type RejectCode, type Outcome, type StoredOutcome, type DuplicateOutcome, type RejectedOutcome } from './record/outcome.js';
export { validateRecord } from './record/validate.js';

// Ingest and export
export { Ingestor, IngestRun, type IngestorOptions, type IngestRunOptions, type RunProgress, type RunSummary } from './pipeline/ingest.js';
export { ndjsonItems, csvItems, objectItems, fileItems, streamItems, formatOfName, type SourceItem, type RecordSource, type InputFormat, type ReadOptions } from './pipeline/sources.js';
export { gateRecord, type GatedRecord } from './pipeline/gate.js';
export { createMediaStep } from './pipeline/media-step.js';
export type { MediaStep, StoredMedia } from './pipeline/batch.js';
export type { BusinessObject } from './pipeline/seal.js';
export { enableStageClock, disableStageClock, stageTotals, STAGES, type Stage } from './pipeline/stage-clock.js';
export { exportDataset, type ExportOptions, type ExportSummary } from './export/export.js';
export { addRecipient, listRecipients, type RecipientInput } from './export/recipients.js';
export { listDisclosures, listDeliveries, type DisclosureQuery } from './export/disclosures.js';
export { EXCLUSION_CODES, type ExclusionCode, type Exclusions } from './export/select.js';
export type { KSummary } from './export/export.js';
export type { RecipientRow, DisclosureRow, ExportLedgerRow, DisclosedQuasiRow } from './vault/vault.js';
export { layoutOf, DEFAULT_DATA_DIR, type Layout } from './layout.js';

// Detection and masking
export { createScanner, withCodePoints, type Scanner, type ScannerOptions, type ScanContext, type KnownMatcher, type CodePointFinding } from './detect/index.js';
export type { Finding, KnownValue, EntityKind, BuiltinKind } from './detect/types.js';
export { applyOperators, applyOperator, displayMask, type OperatorConfig, type OperatorName } from './mask/index.js';

// Media
export { createMediaStripper, sniffFormat, type MediaStripper, type MediaStripperOptions, type StripResult, type MediaInfo, type MediaFormat } from './media/index.js';
export { applyLossyImageOps, type Box, type LossyImageOps } from './media/index.js';

// Crypto and keys
export { encryptObject, decryptObject, readHeader, type SealContext, type ExpectedContext, type Header } from './crypto/format.js';
export { createEncryptStream, createDecryptStream } from './crypto/stream.js';
export { X25519Sender, X25519Identity, sealTo, openSealed } from './crypto/recipient.js';
export { createRoleKeys, loadRoleKeys, type Role, type IngestKeys, type ReaderKeys } from './crypto/keys.js';
export { SubjectKeyring } from './crypto/subject-keys.js';
export { blindIndex, pseudonymOf } from './crypto/hmac.js';

// Identifiers
export { normalizeCnId, normalizePhone, normalizeEmail, isValidCnId } from './id/normalize.js';
export { parseCnId, type CnIdParts } from './id/cn-id.js';

// Storage backends
export type { Vault, VaultBatch, SubjectRow, ExportRow } from './vault/vault.js';
export { SqliteVault } from './vault/sqlite.js';
export type { KeyStore, SubjectKeyRow } from './keystore/keystore.js';
export { SqliteKeyStore } from './keystore/sqlite.js';
export type { ObjectStore } from './store/object-store.js';
export { FsObjectStore } from './store/fs.js';
// The S3 driver loads the AWS SDK (~1 s here), so it is reached only through these, on demand.
export type { S3StoreOptions, S3ServerSideEncryption } from './store/s3.js';
export { createS3Store, openConfiguredStore, openStore, parseStoreUrl, s3EndpointFrom, type StoreUrl } from './config/store-url.js';
export { configuredBackendUrl, parseBackendUrl, type BackendUrl } from './config/backend-url.js';
export { openConfiguredBackends, openKeyStore, openVault, type ConfiguredBackends } from './config/open.js';
export type { PostgresVault } from './vault/postgres.js';
export type { PostgresKeyStore } from './keystore/postgres.js';
export { LocalBlindIndexer, type BlindIndexer } from './crypto/blind-index.js';
export { migrateDataFolder, type MigrateOptions, type MigrateReport } from './migrate/migrate.js';

// Audit log and rights requests (docs/AUDIT.md)
export { AuditLog, type AuditLogOptions, type AuditQuery, type AuditVerifyReport, type AuditProblem } from './audit/log.js';
export { AUDIT_ACTIONS, AUDIT_ROLES, type AuditAction, type AuditRole, type AuditOutcome, type AuditTarget, type AuditEntry, type AuditEntryInput } from './audit/entry.js';
export { createAuditKey, loadAuditKey, auditKeyPath, type AuditKey } from './audit/key.js';
export { openAuditLog, ensureAuditKey, auditDirOf, operatorName } from './audit/open.js';
export { openCheckpoint, signCheckpoint, type Checkpoint } from './audit/checkpoint.js';
export { incidentAffected, type IncidentOptions, type IncidentReport, type IncidentScope, type Notification } from './rights/incident.js';
export { auditReceipt, verifyReceipt, type AuditReceipt, type ReceiptCheck } from './audit/receipt.js';
export { leafHash, nodeHash, EMPTY_ROOT, TreeBuilder, RangeHasher, inclusionRanges, consistencyRanges, hashRanges, verifyInclusion, verifyConsistency, rootOf, inclusionProof, consistencyProof, type LeafRange } from './audit/merkle.js';
export { RequestLedger, requestsDbOf, REQUEST_KINDS, ANSWER_DAYS, type RightsRequest, type RequestView, type RequestKind, type RequestStatus } from './rights/requests.js';

// Export output: formats, signatures, sealing, leak verification
export { openSink, parseSize } from './export/sinks/open-sink.js';
export { EXPORT_FORMATS, type ExportFormat, type ExportSink, type SampleMedia, type SinkOptions, type SinkResult } from './export/sinks/sink.js';
export { LeakChecker, identifierTokens, type Leak, type IdentifierToken } from './export/leak-check.js';
export { verifyExport, type VerifyExportOptions, type VerifyReport, type VerifyProblem } from './export/verify-export.js';
export { openExport, type OpenExportOptions } from './export/open-export.js';
export { ensureSigningKey, loadSigningKey, loadSigningPublicKey, signingKeyPath, signingPublicPath } from './export/signing-key.js';
export { signMinisign, verifyMinisign, formatPublicKey, parsePublicKey, generateMinisignKey, type MinisignKey } from './crypto/minisign.js';
export { resolveConfig, readConfigFile, layoutOptionsOf, storeUrlOf, storeEnvOf, CONFIG_FILE_NAMES, CONFIG_ENV, type ResolvedConfig, type ResolveOptions, type ConfigFlags, type Setting, type ConfigSource } from './config/resolve.js';
export { configSchema, type ConfigFile } from './config/schema.js';
export { maskSecrets } from './config/mask.js';
export { collectStats, OBJECT_PREFIXES, type StoreStats, type StatsOptions } from './stats/stats.js';
export { Rights, type RightsOptions, type RequestOptions, type EraseResult, type WithdrawResult, type PurgeResult, type ErasedSubject, type SubjectView, type AccessResult } from './rights/rights.js';
export { type SubjectAccess, type AccessRecord } from './rights/access.js';
export { type SubjectQuery, type QueryKind } from './rights/find.js';
export { type ErasureNotice } from './rights/notices.js';
export { reshredErased } from './rights/reshred.js';
export { compactStore, type CompactResult } from './rights/compact.js';
