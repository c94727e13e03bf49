/* Private to the SQLite store's files. */
#ifndef VIGIE_STORE_INT_H
#define VIGIE_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "store/store.h"

sqlite3 *store_sqlite_db(store *s);
/* Prepares sql on s's connection; NULL with the reason in e (sqlite_registry.c). */
sqlite3_stmt *store_sqlite_prepare(store *s, const char *sql, verr *e);
/* Steps a statement that returns no row, then finalizes it. */
int store_sqlite_run(store *s, sqlite3_stmt *st, verr *e);
/* Copies column i as text into out ("" when NULL). */
void store_sqlite_column(sqlite3_stmt *st, int i, char *out, size_t n);

#endif
