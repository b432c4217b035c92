export { openStore, registerModel, ensureIndexes, pingDatabase, redactUri, StoreError } from './connection';
export { databasesOf } from './server-kind';
export type { Store, OpenStoreOptions } from './connection';
export { openBlobStore, BlobError } from './blobs';
export type { BlobStore, BlobStoreOptions, BlobErrorCode } from './blobs';
