/** The SQLite store of ticketd: see ticket-store.ts. */
export { TicketStore, type TicketStoreOptions } from './ticket-store.ts';
export { StoreError, classifySqliteError, toStoreError, type StoreErrorCode } from './store-error.ts';
export { NEUTRAL_PRICING } from './catalog.ts';
export { PAGE_LIMIT_MAX } from './page-cursor.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { DB_FILE_NAME } from './open-database.ts';
export type * from './store-types.ts';
export { TOKEN_LIST_MAX, type RevokeResult } from './tokens.ts';
