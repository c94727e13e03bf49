#include "store/schema.h"

#include <stddef.h>

static const char *const migrations[] = {
    NULL,
    /* 1: ingest log, patients, observations, other resources */
    "CREATE TABLE ingest_log ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at INTEGER NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  format INTEGER NOT NULL,"
    "  entries INTEGER NOT NULL,"
    "  raw_size INTEGER NOT NULL,"
    "  digest BLOB NOT NULL,"
    "  raw_zstd BLOB NOT NULL);"
    "CREATE TABLE patient ("
    "  key INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  territory TEXT,"
    "  commune TEXT,"
    "  birth_date INTEGER,"
    "  resource TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  log_id INTEGER NOT NULL,"
    "  log_entry INTEGER NOT NULL);"
    "CREATE TABLE patient_identifier ("
    "  system TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  patient_key INTEGER NOT NULL REFERENCES patient(key),"
    "  PRIMARY KEY (system, value)) WITHOUT ROWID;"
    "CREATE INDEX patient_identifier_patient ON patient_identifier(patient_key);"
    /* One row per version of an Observation; `current` marks the latest. seq is the global
     * input sequence shared with `resource`, so inputs replay in the order they were
     * committed. ident/content are 16-byte hashes that find duplicates. */
    "CREATE TABLE observation ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  current INTEGER NOT NULL,"
    "  patient_key INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  code_system TEXT,"
    "  code TEXT NOT NULL,"
    "  effective INTEGER,"
    "  precision INTEGER NOT NULL,"
    "  value REAL,"
    "  value2 REAL,"
    "  status INTEGER NOT NULL,"
    "  triage INTEGER NOT NULL,"
    "  ident BLOB,"
    "  content BLOB NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  log_id INTEGER NOT NULL,"
    "  log_entry INTEGER NOT NULL,"
    "  resource TEXT NOT NULL);"
    "CREATE UNIQUE INDEX observation_current_id ON observation(id) WHERE current = 1;"
    "CREATE UNIQUE INDEX observation_current_ident ON observation(ident)"
    "  WHERE current = 1 AND ident IS NOT NULL;"
    "CREATE UNIQUE INDEX observation_current_content ON observation(content) WHERE current = 1;"
    "CREATE INDEX observation_patient_kind_time ON observation(patient_key, kind, effective)"
    "  WHERE current = 1;"
    "CREATE TABLE resource ("
    "  seq INTEGER PRIMARY KEY,"
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  current INTEGER NOT NULL,"
    "  patient_key INTEGER NOT NULL,"
    "  time INTEGER,"
    "  status TEXT,"
    "  received_at INTEGER NOT NULL,"
    "  log_id INTEGER NOT NULL,"
    "  log_entry INTEGER NOT NULL,"
    "  content BLOB,"
    "  resource TEXT NOT NULL);"
    "CREATE UNIQUE INDEX resource_current ON resource(type, id) WHERE current = 1;"
    "CREATE INDEX resource_patient ON resource(patient_key, type, time) WHERE current = 1;"
    "CREATE UNIQUE INDEX resource_current_content ON resource(type, content)"
    "  WHERE current = 1 AND content IS NOT NULL;",
    /* 2: users, their territories and linked patients, session tokens and gateway keys */
    "CREATE TABLE user_account ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL,"
    "  password_hash TEXT,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE user_territory ("
    "  user_id INTEGER NOT NULL REFERENCES user_account(id),"
    "  territory TEXT NOT NULL,"
    "  PRIMARY KEY (user_id, territory)) WITHOUT ROWID;"
    "CREATE TABLE user_patient ("
    "  user_id INTEGER NOT NULL REFERENCES user_account(id),"
    "  patient_id TEXT NOT NULL,"
    "  PRIMARY KEY (user_id, patient_id)) WITHOUT ROWID;"
    /* Only a hash of each token is kept: a stolen database does not yield sessions. */
    "CREATE TABLE auth_token ("
    "  hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES user_account(id),"
    "  kind TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER,"
    "  revoked_at INTEGER) WITHOUT ROWID;"
    "CREATE INDEX auth_token_user ON auth_token(user_id);",
};

int store_schema_latest(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]) - 1;
}

const char *store_schema_migration(int version)
{
    if (version < 1 || version > store_schema_latest()) return NULL;
    return migrations[version];
}
