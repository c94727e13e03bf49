/* The generator's driver: builds the world and the patients, then writes the signals day
 * by day in clinical-time order. A day is planned patient by patient into a buffer of
 * compact records, sorted by time with a stable counting sort (so ties keep patient and
 * planning order, and the output is byte-for-byte reproducible), then written. When the
 * programme is large the day is cut into time slices and planned once per slice, which
 * bounds memory whatever the number of patients: planning is cheap next to writing JSON. */
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"
#include "sim/sim_paths.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLICE_BUDGET_BYTES      (64u << 20) /* records of one time slice */
#define SIGNALS_PER_PATIENT_DAY 10          /* a generous estimate, to size slices */
#define WRITE_CHUNK             (1u << 22)

void sim_config_default(struct sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->patients = 1000;
    cfg->days = 30;
    /* 2026-03-01 00:00 in Paris (UTC+1): the 30 days include the switch to summer time. */
    cfg->start_ms = sim_paris_midnight(instant_days_from_civil(2026, 3, 1) * INSTANT_MS_PER_DAY);
    cfg->regions = 10;
    cfg->territories_per_region = 5;
    cfg->episode_rate = 1;
}

static const char *first_readable(const char *const *candidates, size_t n, char *storage,
                                  size_t size)
{
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i]) continue;
        snprintf(storage, size, "%s", candidates[i]);
        if (access(storage, R_OK) == 0) return storage;
    }
    return NULL;
}

const char *sim_default_communes_path(void)
{
    static char found[4096];
    char in_tree[4096];
    const char *rel = "node_modules/@etalab/decoupage-administratif/data/communes.json";
    snprintf(in_tree, sizeof in_tree, "%s/%s", VIGIE_SIM_SOURCE_ROOT, rel);
    const char *candidates[] = {rel, in_tree};
    return first_readable(candidates, 2, found, sizeof found);
}

const char *sim_default_coordinates_path(void)
{
    static char found[4096];
    char from_env[4096] = "", beside_tree[4096];
    const char *dir = getenv("VIGIE_DATA_DIR");
    if (dir && *dir) snprintf(from_env, sizeof from_env, "%s/communes.csv", dir);
    snprintf(beside_tree, sizeof beside_tree, "%s/../shared/data/communes.csv",
             VIGIE_SIM_SOURCE_ROOT);
    const char *candidates[] = {from_env[0] ? from_env : NULL, beside_tree,
                                "/work/shared/data/communes.csv"};
    return first_readable(candidates, 3, found, sizeof found);
}

static int check_config(const struct sim_config *cfg, verr *e)
{
    if (cfg->patients > SIM_MAX_PATIENTS)
        return verr_fail(e, "--patients %u: at most %u", cfg->patients, SIM_MAX_PATIENTS);
    if (cfg->days < 1 || cfg->days > SIM_MAX_DAYS)
        return verr_fail(e, "--days %u: between 1 and %u", cfg->days, SIM_MAX_DAYS);
    if (cfg->regions < 1 || cfg->regions > SIM_MAX_REGIONS)
        return verr_fail(e, "--regions %u: between 1 and %u", cfg->regions, SIM_MAX_REGIONS);
    if (cfg->territories_per_region < 1 ||
        cfg->territories_per_region > SIM_MAX_TERRITORIES_PER_REGION)
        return verr_fail(e, "--territories-per-region %u: between 1 and %u",
                         cfg->territories_per_region, SIM_MAX_TERRITORIES_PER_REGION);
    if (!(cfg->episode_rate >= 0 && cfg->episode_rate <= 100))
        return verr_fail(e, "--episode-rate %g: between 0 and 100", cfg->episode_rate);
    if (!cfg->communes_path) return verr_fail(e, "no communes file (communes.json)");
    return 0;
}

static void write_truth_header(const struct sim_world *w)
{
    char start[32];
    sim_format_local(w->cfg.start_ms, start);
    double patient_days = (double)w->cfg.patients * w->cfg.days;
    fprintf(w->out.truth,
            "{\"record\":\"programme\",\"seed\":%llu,\"start\":\"%s\",\"days\":%u,"
            "\"patients\":%u,\"patient_days\":%.0f,\"patient_months\":%.2f,"
            "\"episode_rate\":%g}\n",
            (unsigned long long)w->cfg.seed, start, w->cfg.days, w->cfg.patients, patient_days,
            patient_days / 30.4375, w->cfg.episode_rate);
}

struct slice {
    struct sim_signal *records;
    uint32_t *order; /* indices into records, in time order */
    size_t count, cap;
    uint32_t *counts;
    size_t buckets;
};

static void slice_add(struct slice *s, const struct sim_signal *r)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1 << 16;
        s->records = xrealloc(s->records, s->cap * sizeof *s->records);
    }
    s->records[s->count++] = *r;
}

/* Stable counting sort by whole seconds since the slice's start, of indices rather than
 * records so that sorting adds an eighth to the slice's memory, not a copy. */
static void slice_sort(struct slice *s, int64_t from, int64_t to)
{
    size_t buckets = (size_t)((to - from) / 1000) + 1;
    if (buckets > s->buckets) {
        s->counts = xrealloc(s->counts, (buckets + 1) * sizeof *s->counts);
        s->buckets = buckets;
    }
    memset(s->counts, 0, (buckets + 1) * sizeof *s->counts);
    for (size_t i = 0; i < s->count; i++) s->counts[(s->records[i].at_ms - from) / 1000 + 1]++;
    for (size_t k = 1; k <= buckets; k++) s->counts[k] += s->counts[k - 1];
    s->order = xrealloc(s->order, (s->count ? s->count : 1) * sizeof *s->order);
    for (size_t i = 0; i < s->count; i++)
        s->order[s->counts[(s->records[i].at_ms - from) / 1000]++] = (uint32_t)i;
}

static void count_signal(struct sim_stats *st, const struct sim_signal *r, unsigned lines)
{
    st->resources += lines;
    if (r->kind == SIG_REPORT)
        st->communications += lines;
    else if (r->kind == SIG_REQUEST)
        st->service_requests += lines;
    else
        st->observations += lines;
    if (r->flags & SF_DUPLICATE) st->duplicates++;
    if (r->flags & SF_ARTEFACT) st->artefacts++;
}

static unsigned newlines(const char *p, size_t n)
{
    unsigned k = 0;
    for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++) k++;
    return k;
}

static void write_slice(struct sim_world *w, struct slice *s, buf *out, buf *truth)
{
    for (size_t i = 0; i < s->count; i++) {
        const struct sim_signal *r = &s->records[s->order[i]];
        if (w->out.signals) {
            size_t before = out->len;
            sim_fhir_signal(w, r, out);
            unsigned lines = newlines(out->data + before, out->len - before);
            if (r->flags & SF_DUPLICATE) {
                /* A gateway retry: the same resource, byte for byte. */
                char copy[8192];
                size_t n = out->len - before;
                if (n <= sizeof copy) {
                    memcpy(copy, out->data + before, n); /* buf_append may move data */
                    buf_append(out, copy, n);
                }
                lines *= 2;
            }
            count_signal(w->stats, r, lines);
            if (out->len >= WRITE_CHUNK) {
                fwrite(out->data, 1, out->len, w->out.signals);
                buf_reset(out);
            }
        } else {
            count_signal(w->stats, r, 0);
        }
        if (w->out.truth && (r->flags & (SF_ARTEFACT | SF_TRUTH))) {
            sim_truth_signal(w, r, truth);
            if (truth->len >= WRITE_CHUNK) {
                fwrite(truth->data, 1, truth->len, w->out.truth);
                buf_reset(truth);
            }
        }
    }
}

static void write_days(struct sim_world *w)
{
    uint64_t estimate =
        (uint64_t)w->patient_count * SIGNALS_PER_PATIENT_DAY * sizeof(struct sim_signal);
    unsigned slices = (unsigned)(estimate / SLICE_BUDGET_BYTES) + 1;
    if (slices > 96) slices = 96;
    struct slice s = {0};
    struct sim_signal planned[SIM_MAX_SIGNALS_PER_DAY];
    buf out, truth;
    buf_init(&out, WRITE_CHUNK * 2);
    buf_init(&truth, WRITE_CHUNK * 2);
    for (uint32_t day = 0; day < w->cfg.days; day++) {
        int64_t day_from = w->day_start[day], day_to = w->day_start[day + 1];
        int64_t width = (day_to - day_from) / slices;
        width -= width % 1000;
        for (unsigned k = 0; k < slices; k++) {
            int64_t from = day_from + k * width, to = k + 1 == slices ? day_to : from + width;
            s.count = 0;
            for (uint32_t p = 0; p < w->patient_count; p++) {
                unsigned n = sim_plan_day(w, p, day, planned);
                for (unsigned i = 0; i < n; i++)
                    if (planned[i].at_ms >= from && planned[i].at_ms < to)
                        slice_add(&s, &planned[i]);
            }
            slice_sort(&s, from, to);
            write_slice(w, &s, &out, &truth);
        }
    }
    if (w->out.signals && out.len) fwrite(out.data, 1, out.len, w->out.signals);
    if (w->out.truth && truth.len) fwrite(truth.data, 1, truth.len, w->out.truth);
    buf_free(&out);
    buf_free(&truth);
    free(s.records);
    free(s.order);
    free(s.counts);
}

int sim_generate(const struct sim_config *cfg, const struct sim_outputs *out,
                 struct sim_stats *stats, verr *e)
{
    if (check_config(cfg, e) < 0) return -1;
    struct sim_stats local_stats;
    if (!stats) stats = &local_stats;
    memset(stats, 0, sizeof *stats);
    struct sim_world w;
    memset(&w, 0, sizeof w);
    w.cfg = *cfg;
    w.out = *out;
    w.stats = stats;
    if (sim_communes_load(&w.communes, cfg->communes_path, cfg->coordinates_path, e) < 0) return -1;
    int64_t start_local = cfg->start_ms + sim_paris_offset_s(cfg->start_ms) * 1000LL;
    w.day_start = xmalloc((cfg->days + 1) * sizeof *w.day_start);
    for (uint32_t d = 0; d <= cfg->days; d++)
        w.day_start[d] = sim_paris_to_utc(start_local + d * INSTANT_MS_PER_DAY);
    int rc = sim_world_build(&w, e);
    if (rc == 0) {
        if (w.out.programme) sim_world_write_programme(&w, w.out.programme);
        if (w.out.truth) write_truth_header(&w);
        rc = sim_patients_build(&w, e);
    }
    if (rc == 0) write_days(&w);
    free(w.patients);
    free(w.episodes);
    free(w.day_start);
    sim_world_free(&w);
    sim_communes_free(&w.communes);
    if (rc == 0) {
        FILE *files[] = {out->signals, out->programme, out->truth};
        for (int i = 0; i < 3; i++)
            if (files[i] && (fflush(files[i]) != 0 || ferror(files[i])))
                return verr_fail(e, "write error (disk full?)");
    }
    return rc;
}
