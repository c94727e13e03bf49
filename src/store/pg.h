/* The PostgreSQL implementation of store.h (postgres.c and the pg_*.c files): each public
 * function of store.h hands a PostgreSQL connection to its store_pg_ twin (store_int.h). */
#ifndef VIGIE_STORE_PG_H
#define VIGIE_STORE_PG_H

#include "store/store.h"

store *store_pg_open(const char *target, enum store_access access, verr *e);
void store_pg_close(store *s);
void store_pg_manual_checkpoints(store *s);
int store_pg_checkpoint(store *s, verr *e);
int store_pg_schema_version(store *s);
int store_pg_begin(store *s, verr *e);
int store_pg_commit(store *s, verr *e);
void store_pg_rollback(store *s);
int store_pg_savepoint(store *s, verr *e);
int store_pg_release(store *s, verr *e);
void store_pg_rollback_savepoint(store *s);
int64_t store_pg_max_seq(store *s);
int store_pg_log_append(store *s, struct store_log_entry *entry, verr *e);
int store_pg_log_read(store *s, int64_t id, struct store_log_entry *out, buf *raw, verr *e);
int store_pg_patient_key(store *s, const char *id, int64_t *key, verr *e);
int store_pg_patient_upsert(store *s, struct store_patient *p, bool *created, verr *e);
int store_pg_patient_key_by_identifier(store *s, const char *system, const char *value,
                                       int64_t *key, char **id_out, verr *e);
int store_pg_patient_read(store *s, const char *id, buf *resource, int64_t *key, verr *e);
int store_pg_patient_info(store *s, const char *id, int64_t *key, char territory[64], verr *e);
int store_pg_patient_birth_date(store *s, int64_t key, int64_t *birth_ms, verr *e);
int store_pg_patient_by_key(store *s, int64_t key, char id[72], char territory[64], verr *e);
int store_pg_patient_set_territory(store *s, int64_t key, const char *territory, verr *e);
int store_pg_patient_each(store *s,
                          int (*fn)(void *arg, int64_t key, const char *id, const char *territory),
                          void *arg, verr *e);
int store_pg_observation_by_ident(store *s, int64_t patient_key,
                                  const unsigned char ident[STORE_HASH_SIZE],
                                  struct store_obs_ref *out, verr *e);
int store_pg_observation_same(store *s, const struct store_observation *o,
                              struct store_obs_ref *out, verr *e);
int store_pg_observation_by_id(store *s, const char *id, struct store_obs_ref *out, verr *e);
int store_pg_observation_by_seq(store *s, int64_t seq, struct store_obs_ref *out, verr *e);
void store_pg_observation_prefetch(store *s, const struct store_observation *rows, size_t n);
int store_pg_observation_insert(store *s, const struct store_observation *o, verr *e);
int store_pg_observation_supersede(store *s, int64_t seq, verr *e);
int store_pg_observation_read(store *s, const char *id, buf *resource, int64_t *patient_key,
                              int *id_form, verr *e);
int store_pg_observation_id(store *s, int64_t seq, char id[72], verr *e);
int store_pg_observation_search(store *s, const struct store_obs_query *q,
                                int (*fn)(void *arg, const struct store_obs_row *row), void *arg,
                                verr *e);
int store_pg_resource_put(store *s, struct store_resource *r, verr *e);
int store_pg_resource_by_content(store *s, const char *type,
                                 const unsigned char content[STORE_HASH_SIZE], char id[72],
                                 int *version, verr *e);
int store_pg_resource_content(store *s, const char *type, const char *id,
                              unsigned char content[STORE_HASH_SIZE], int *version, verr *e);
int store_pg_resource_read(store *s, const char *type, const char *id, buf *resource,
                           int64_t *patient_key, verr *e);
int store_pg_replay(store *s, int (*fn)(void *arg, const struct store_replay_item *item), void *arg,
                    verr *e);
int store_pg_check(store *s, struct store_check_report *report,
                   void (*problem)(void *arg, const char *message), void *arg, verr *e);
int store_pg_export(store *s,
                    int (*fn)(void *arg, const char *type, const char *id, int id_form,
                              const char *json, size_t len),
                    void *arg, verr *e);
int store_pg_trace_each(store *s, int (*fn)(void *arg, const struct store_trace_row *row),
                        void *arg, verr *e);
int store_pg_user_add(store *s, struct store_user *u, int64_t now_ms, verr *e);
int store_pg_user_get(store *s, const char *username, int64_t id, struct store_user *u, verr *e);
int store_pg_user_update(store *s, const struct store_user *u, bool lists, int64_t now_ms, verr *e);
int store_pg_user_each(store *s, int (*fn)(void *arg, const struct store_user *u), void *arg,
                       verr *e);
int store_pg_token_add(store *s, const unsigned char hash[32], int64_t user_id,
                       enum store_token_kind kind, int64_t created_ms, int64_t expires_ms, verr *e);
int store_pg_token_user(store *s, const unsigned char hash[32], int64_t now_ms, int64_t *user_id,
                        int64_t *expires_ms, verr *e);
int store_pg_token_revoke(store *s, const unsigned char hash[32], int64_t now_ms, verr *e);
int store_pg_token_revoke_user(store *s, int64_t user_id, bool keys, int64_t now_ms, verr *e);
int store_pg_event_add(store *s, struct store_event *ev, verr *e);
int store_pg_events_withdraw_source(store *s, int64_t source_seq,
                                    void (*fn)(void *arg, int64_t case_id), void *arg, verr *e);
int store_pg_case_standing_category(store *s, int64_t case_id, int *category, verr *e);
int store_pg_events_since(store *s, int64_t since_ms,
                          int (*fn)(void *arg, int64_t patient_key, const char *rule, int category,
                                    int64_t at_ms),
                          void *arg, verr *e);
int store_pg_source_ref(store *s, int64_t seq, char out[128], verr *e);
int store_pg_case_of_patient(store *s, int64_t patient_key, struct store_case *out, verr *e);
int store_pg_case_get(store *s, int64_t id, struct store_case *out, verr *e);
int store_pg_case_insert(store *s, struct store_case *c, verr *e);
int store_pg_case_update(store *s, const struct store_case *c, verr *e);
int store_pg_case_transition(store *s, int64_t case_id, int64_t at_ms, const char *who,
                             const char *from, const char *to, const char *detail, verr *e);
int store_pg_case_note(store *s, int64_t case_id, int64_t at_ms, const char *who, const char *kind,
                       const char *text, verr *e);
int store_pg_cases_due(store *s, int64_t now_ms, int (*fn)(void *arg, const struct store_case *c),
                       void *arg, verr *e);
int store_pg_queue(store *s, const char *const *territories, size_t count, bool all_territories,
                   int (*fn)(void *arg, const struct store_case *c), void *arg, verr *e);
int store_pg_case_items(store *s, int64_t case_id,
                        int (*fn)(void *arg, const struct store_case_item *item), void *arg,
                        verr *e);
int store_pg_patient_fired(store *s, int64_t patient_key, int64_t from_ms,
                           int (*fn)(void *arg, const char *observation_id), void *arg, verr *e);
int store_pg_resources_of_territory(store *s, const char *territory, const char *type,
                                    int (*fn)(void *arg, const char *patient_id, int64_t birth_ms,
                                              const char *json, size_t len),
                                    void *arg, verr *e);
int store_pg_resources_of_patient(store *s, int64_t patient_key, const char *type,
                                  int (*fn)(void *arg, const char *json, size_t len), void *arg,
                                  verr *e);
int store_pg_override_add(store *s, int64_t patient_key, const char *json, const char *who,
                          int64_t at_ms, verr *e);
int store_pg_override_each(store *s, int (*fn)(void *arg, int64_t patient_key, const char *json),
                           void *arg, verr *e);
int store_pg_override_latest(store *s, int64_t patient_key, buf *json, char who[64], int64_t *at_ms,
                             verr *e);
int store_pg_feed_add(store *s, int64_t at_ms, const char *territory, const char *kind,
                      int64_t case_id, const char *data, int64_t *id, verr *e);
int64_t store_pg_feed_last_id(store *s);
int store_pg_feed_since(store *s, int64_t after_id, int limit,
                        int (*fn)(void *arg, int64_t id, const char *territory, const char *kind,
                                  const char *data),
                        void *arg, verr *e);
int store_pg_evaluation(store *s, const char *territory, int64_t from_ms, int64_t to_ms,
                        const char *const *outcome_names, size_t outcome_count,
                        struct store_evaluation *out, verr *e);
int store_pg_region_get(store *s, const char *code, struct store_region *out, verr *e);
int store_pg_region_each(store *s, int (*fn)(void *arg, const struct store_region *r), void *arg,
                         verr *e);
int store_pg_territory_add(store *s, const struct store_territory *t, verr *e);
int store_pg_territory_update(store *s, const struct store_territory *t, bool communes, verr *e);
int store_pg_territory_get(store *s, const char *id, struct store_territory *out, verr *e);
int store_pg_territory_each(store *s, int (*fn)(void *arg, const struct store_territory *t),
                            void *arg, verr *e);
int store_pg_commune_territory(store *s, const char *commune, char territory[STORE_CODE_MAX],
                               verr *e);
int store_pg_site_add(store *s, const struct store_site *site, verr *e);
int store_pg_site_get(store *s, const char *id, struct store_site *out, verr *e);
int store_pg_site_each(store *s, const char *territory,
                       int (*fn)(void *arg, const struct store_site *site), void *arg, verr *e);
int store_pg_professional_add(store *s, const struct store_professional *p, verr *e);
int store_pg_professional_each(store *s, const char *territory,
                               int (*fn)(void *arg, const struct store_professional *p), void *arg,
                               verr *e);
int store_pg_enrolment_open(store *s, int64_t patient_key, int64_t now_ms,
                            struct store_enrolment *out, verr *e);
int store_pg_enrolment_add(store *s, struct store_enrolment *en, verr *e);
int store_pg_enrolment_update(store *s, const struct store_enrolment *en, verr *e);
int store_pg_enrolment_count(store *s, const char *territory, int64_t now_ms, int64_t *count,
                             verr *e);
int store_pg_enrolment_each(store *s, const char *territory, int64_t now_ms,
                            int (*fn)(void *arg, const struct store_enrolment *en), void *arg,
                            verr *e);
int store_pg_programme_each(store *s, int64_t now_ms,
                            int (*fn)(void *arg, const char *territory, const char *condition,
                                      int64_t enrolled),
                            void *arg, verr *e);
int store_pg_audit_append(store *s, const struct store_audit_row *rows, size_t n, verr *e);
int store_pg_audit_search(store *s, const struct store_audit_query *q,
                          int (*fn)(void *arg, const struct store_audit_row *row), void *arg,
                          verr *e);
int store_pg_turn(store *s, const struct store_sync_sink *sink, int64_t *max_seq, verr *e);
int store_pg_tick_claim(store *s, int64_t now_ms, int64_t period_ms, bool *mine, verr *e);
int store_pg_feed_wait(store *s, int timeout_ms, verr *e);

#endif
