/* The SQLite schema as a list of migrations: version v is reached by running migration v
 * on a database at version v-1 (PRAGMA user_version). Never edit a released migration;
 * add the next one. */
#ifndef VIGIE_STORE_SCHEMA_H
#define VIGIE_STORE_SCHEMA_H

int store_schema_latest(void);
/* SQL of migration `version` (1..latest). */
const char *store_schema_migration(int version);

#endif
