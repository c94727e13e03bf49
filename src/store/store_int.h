/* Private to the SQLite store's files. */
#ifndef VIGIE_STORE_INT_H
#define VIGIE_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "store/store.h"

sqlite3 *store_sqlite_db(store *s);

#endif
