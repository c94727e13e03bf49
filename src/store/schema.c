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
     * committed. `resource` is the text exactly as received; id_form says how the row's id
     * is put into it when read (enum fhir_id_form). The indexes are chosen for the ingest
     * rate: all but `id` are clustered by patient, and duplicates are found through them
     * (ident = 16-byte hash of the identifier; or same patient, kind and time). */
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
    "  received_at INTEGER NOT NULL,"
    "  log_id INTEGER NOT NULL,"
    "  log_entry INTEGER NOT NULL,"
    "  id_form INTEGER NOT NULL,"
    "  resource TEXT NOT NULL);"
    "CREATE UNIQUE INDEX observation_current_id ON observation(id) WHERE current = 1;"
    "CREATE INDEX observation_patient_kind_time ON observation(patient_key, kind, effective)"
    "  WHERE current = 1;"
    "CREATE INDEX observation_patient_ident ON observation(patient_key, ident)"
    "  WHERE current = 1 AND ident IS NOT NULL;"
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
    /* 3: reserved for the triage events and cases of main (empty here until merged) */
    "",
    /* 4: the programme's registry (regions, territories and their communes, sites,
     * professionals, enrolments) and the audit trail */
    "CREATE TABLE region ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL) WITHOUT ROWID;"
    /* INSEE regions (Code officiel géographique, regions since 2016) */
    "INSERT INTO region(code, name) VALUES ('01', 'Guadeloupe'), ('02', 'Martinique'),"
    "  ('03', 'Guyane'), ('04', 'La Réunion'), ('06', 'Mayotte'), ('11', 'Île-de-France'),"
    "  ('24', 'Centre-Val de Loire'), ('27', 'Bourgogne-Franche-Comté'), ('28', 'Normandie'),"
    "  ('32', 'Hauts-de-France'), ('44', 'Grand Est'), ('52', 'Pays de la Loire'),"
    "  ('53', 'Bretagne'), ('75', 'Nouvelle-Aquitaine'), ('76', 'Occitanie'),"
    "  ('84', 'Auvergne-Rhône-Alpes'), ('93', 'Provence-Alpes-Côte d''Azur'), ('94', 'Corse');"
    "CREATE TABLE territory ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  region TEXT NOT NULL REFERENCES region(code),"
    "  quota INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
    /* A commune belongs to one territory of the programme at most. */
    "CREATE TABLE territory_commune ("
    "  commune TEXT PRIMARY KEY,"
    "  territory TEXT NOT NULL REFERENCES territory(id)) WITHOUT ROWID;"
    "CREATE INDEX territory_commune_territory ON territory_commune(territory);"
    "CREATE TABLE site ("
    "  id TEXT PRIMARY KEY,"
    "  territory TEXT NOT NULL REFERENCES territory(id),"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  commune TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX site_territory ON site(territory);"
    "CREATE TABLE professional ("
    "  id TEXT PRIMARY KEY,"
    "  territory TEXT NOT NULL REFERENCES territory(id),"
    "  name TEXT NOT NULL,"
    "  profession TEXT NOT NULL,"
    "  rpps TEXT,"
    "  site TEXT REFERENCES site(id),"
    "  username TEXT,"
    "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX professional_territory ON professional(territory);"
    /* One row per enrolment period; a patient has at most one open at a time (end_at NULL
     * or in the future), which counts against its territory's quota. */
    "CREATE TABLE enrolment ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_key INTEGER NOT NULL REFERENCES patient(key),"
    "  territory TEXT NOT NULL REFERENCES territory(id),"
    "  start_at INTEGER NOT NULL,"
    "  end_at INTEGER,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX enrolment_patient ON enrolment(patient_key, end_at);"
    "CREATE INDEX enrolment_territory ON enrolment(territory, end_at);"
    "CREATE TABLE enrolment_condition ("
    "  enrolment_id INTEGER NOT NULL REFERENCES enrolment(id),"
    "  code TEXT NOT NULL,"
    "  PRIMARY KEY (enrolment_id, code)) WITHOUT ROWID;"
    "CREATE TABLE enrolment_expected ("
    "  enrolment_id INTEGER NOT NULL REFERENCES enrolment(id),"
    "  kind TEXT NOT NULL,"
    "  per_day REAL NOT NULL,"
    "  PRIMARY KEY (enrolment_id, kind)) WITHOUT ROWID;"
    /* Every access decision on patient data (and logins, refused routes). Identical
     * decisions close in time are one row with a count (see src/auth/audit.h). The
     * triggers make the table append-only for every connection. */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  user_id INTEGER,"
    "  username TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  address TEXT,"
    "  action TEXT NOT NULL,"
    "  what TEXT NOT NULL,"
    "  patient TEXT,"
    "  allowed INTEGER NOT NULL,"
    "  count INTEGER NOT NULL);"
    /* One index only: every row pays for each. Queries by user scan (admin inquiries). */
    "CREATE INDEX audit_patient ON audit(patient, id) WHERE patient IS NOT NULL;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
    "  SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
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
