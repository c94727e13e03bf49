/* Real-world check: the official HL7 FHIR R4 examples (npm hl7.fhir.r4.examples 4.0.1,
 * installed by the set-up). Every Observation whose code is in DESIGN.md §5 is accepted
 * with the right canonical value once its Patient exists; every other resource gets a clear
 * answer (a 2xx, or a 4xx OperationOutcome that says why), never a 5xx or silence.
 * The expected canonical values below are computed by hand from the example files. */
#include "harness.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expected {
    const char *file;
    int status_class; /* 2: accepted */
    int kind;         /* enum measure_kind */
    double value, value2; /* NAN: absent */
};

/* kinds: 1 heart rate, 2 respiratory rate, 3 SpO2, 4 temperature, 5 blood pressure,
 * 6 weight, 7 glucose */
static const struct expected observations[] = {
    {"Observation-blood-pressure.json", 2, 5, 107, 60},
    {"Observation-blood-pressure-dar.json", 2, 5, 107, NAN},
    {"Observation-blood-pressure-cancel.json", 2, 5, NAN, NAN},
    {"Observation-body-temperature.json", 2, 4, 36.5, NAN},
    {"Observation-example.json", 2, 6, 185 * 0.45359237, NAN},   /* 185 [lb_av] */
    {"Observation-f001.json", 2, 7, 6.3 * 18.016, NAN},          /* 6.3 mmol/L */
    {"Observation-f202.json", 2, 4, 39, NAN},                    /* entered-in-error */
    {"Observation-heart-rate.json", 2, 1, 44, NAN},
    {"Observation-respiratory-rate.json", 2, 2, 26, NAN},
    {"Observation-satO2.json", 2, 3, 95, NAN},
    {"Observation-unsat.json", 2, 7, NAN, NAN},                  /* cancelled, no value */
};

static int point;
static int failures;

static void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", ok ? "" : "not ", ++point);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) failures++;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)len + 1);
    if (fread(data, 1, (size_t)len, f) != (size_t)len) len = 0;
    data[len] = '\0';
    fclose(f);
    *n = (size_t)len;
    return data;
}

static bool same(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) < 1e-6;
}

struct obs_row {
    bool found;
    int kind;
    double v, v2;
};

static int read_obs_row(void *arg, int columns, const char *const *values)
{
    struct obs_row *o = arg;
    (void)columns;
    o->found = true;
    o->kind = atoi(values[0]);
    o->v = values[1] ? strtod(values[1], NULL) : NAN;
    o->v2 = values[2] ? strtod(values[2], NULL) : NAN;
    return 1;
}

/* The stored row of the observation named by a Location header. */
static bool row_of(struct e2e_server *srv, const char *location, int *kind, double *v,
                   double *v2)
{
    char id[80], sql[256];
    const char *p = strstr(location, "Observation/");
    if (!p) return false;
    snprintf(id, sizeof id, "%.*s", (int)strcspn(p + 12, "/\r\n'"), p + 12);
    snprintf(sql, sizeof sql,
             "SELECT kind, value, value2 FROM observation WHERE id = '%s' AND current = 1", id);
    struct obs_row o = {0};
    e2e_sql_rows(srv, sql, read_obs_row, &o);
    *kind = o.kind;
    *v = o.v;
    *v2 = o.v2;
    return o.found;
}

static const char *location_of(struct e2e_response *r, char *out, size_t n)
{
    const char *h = strstr(buf_cstr(&r->headers), "Location: ");
    if (!h) return NULL;
    snprintf(out, n, "%.*s", (int)strcspn(h + 10, "\r\n"), h + 10);
    return out;
}

/* A clear answer: 2xx, or 4xx with an OperationOutcome whose issue says why. */
static bool clear_answer(struct e2e_response *r, char *why, size_t n)
{
    if (r->status >= 200 && r->status < 300) return true;
    if (r->status < 400 || r->status >= 500) {
        snprintf(why, n, "status %ld", r->status);
        return false;
    }
    json_t *j = json_loads(buf_cstr(&r->body), 0, NULL);
    const char *type = json_string_value(json_object_get(j, "resourceType"));
    const char *diag = json_string_value(
        json_object_get(json_array_get(json_object_get(j, "issue"), 0), "diagnostics"));
    bool ok = type && !strcmp(type, "OperationOutcome") && diag && strlen(diag) > 10;
    if (!ok) snprintf(why, n, "status %ld without a diagnosis: %.200s", r->status, buf_cstr(&r->body));
    json_decref(j);
    return ok;
}

static int post_resource(struct e2e_server *s, const char *token, json_t *res,
                         struct e2e_response *resp)
{
    char *text = json_dumps(res, JSON_COMPACT);
    const char *type = json_string_value(json_object_get(res, "resourceType"));
    char path[160];
    if (type && !strcmp(type, "Bundle"))
        snprintf(path, sizeof path, "/fhir");
    else
        snprintf(path, sizeof path, "/fhir/%s", type ? type : "Unknown");
    int rc = e2e_request(s, "POST", path, token, "application/fhir+json", text, strlen(text), resp);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s VIGIE EXAMPLES_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[2];
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 100) {
        printf("1..1\nnot ok 1 - %s holds the HL7 examples (run make setup: npm ci)\n", dir);
        return 1;
    }
    struct e2e_server srv;
    if (e2e_prepare(&srv, argv[1]) < 0 || e2e_start(&srv) < 0 || e2e_login_all(&srv) < 0) {
        printf("1..1\nnot ok 1 - server start\n");
        return 1;
    }
    const char *token = e2e_token("nurse1");
    size_t count = sizeof observations / sizeof observations[0];
    printf("1..%zu\n", count + 4);

    /* The patients the observations refer to: the examples' own, and bare ones for the
     * ids used inside Bundle-bundle-references. */
    bool patients_ok = true;
    const char *patient_files[] = {"Patient-example.json", "Patient-f001.json", "Patient-f201.json"};
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, patient_files[i]);
        char *data = slurp(path, &len);
        json_t *j = data ? json_loads(data, 0, NULL) : NULL;
        char url[128];
        snprintf(url, sizeof url, "/fhir/Patient/%s", json_string_value(json_object_get(j, "id")));
        struct e2e_response r;
        if (!j || e2e_request(&srv, "PUT", url, token, "application/fhir+json", data, len, &r) < 0 ||
            r.status != 201) {
            patients_ok = false;
            printf("# %s: %ld %.300s\n", patient_files[i], r.status, buf_cstr(&r.body));
        }
        e2e_response_free(&r);
        json_decref(j);
        free(data);
    }
    const char *bare[] = {"23", "45", "1"};
    for (size_t i = 0; i < 3; i++) {
        char url[64], body[128];
        snprintf(url, sizeof url, "/fhir/Patient/%s", bare[i]);
        snprintf(body, sizeof body, "{\"resourceType\":\"Patient\",\"id\":\"%s\"}", bare[i]);
        struct e2e_response r;
        if (e2e_request(&srv, "PUT", url, token, "application/fhir+json", body, strlen(body), &r) < 0 ||
            r.status != 201)
            patients_ok = false;
        e2e_response_free(&r);
    }
    report(patients_ok, "the examples' Patients are accepted");

    for (size_t i = 0; i < count; i++) {
        const struct expected *x = &observations[i];
        char path[1024], location[256], why[512] = "";
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, x->file);
        char *data = slurp(path, &len);
        struct e2e_response r;
        bool ok = data && e2e_request(&srv, "POST", "/fhir/Observation", token,
                                      "application/fhir+json", data, len, &r) == 0;
        int kind = -1;
        double v = NAN, v2 = NAN;
        if (ok && !(r.status == 201 || r.status == 200)) {
            ok = false;
            snprintf(why, sizeof why, "status %ld: %.300s", r.status, buf_cstr(&r.body));
        } else if (ok && !(location_of(&r, location, sizeof location) &&
                           row_of(&srv, location, &kind, &v, &v2))) {
            ok = false;
            snprintf(why, sizeof why, "no stored row");
        } else if (ok && (kind != x->kind || !same(v, x->value) || !same(v2, x->value2))) {
            ok = false;
            snprintf(why, sizeof why, "stored kind %d, %g / %g; expected kind %d, %g / %g", kind, v,
                     v2, x->kind, x->value, x->value2);
        }
        report(ok, "%s accepted with its canonical value", x->file);
        if (!ok) printf("# %s\n", why);
        if (data) e2e_response_free(&r);
        free(data);
    }

    /* Observations inside Bundle-bundle-references (a collection illustrating references):
     * they carry neither a value nor a clinical time, so they are not measurements; posted
     * on their own each is refused with the reason (DESIGN.md §5: effective[x] required). */
    {
        char path[1024], why[512] = "";
        size_t len;
        snprintf(path, sizeof path, "%s/Bundle-bundle-references.json", dir);
        char *data = slurp(path, &len);
        json_t *bundle = data ? json_loads(data, 0, NULL) : NULL;
        size_t i;
        json_t *entry;
        int refused = 0;
        bool ok = bundle != NULL;
        json_array_foreach(json_object_get(bundle, "entry"), i, entry)
        {
            json_t *res = json_object_get(entry, "resource");
            const char *type = json_string_value(json_object_get(res, "resourceType"));
            if (!type || strcmp(type, "Observation")) continue;
            struct e2e_response r;
            if (post_resource(&srv, token, res, &r) < 0) {
                ok = false;
                continue;
            }
            if (r.status == 422 && strstr(buf_cstr(&r.body), "Observation.effective[x]"))
                refused++;
            else {
                ok = false;
                snprintf(why, sizeof why, "entry %zu: %ld %.200s", i, r.status, buf_cstr(&r.body));
            }
            e2e_response_free(&r);
        }
        report(ok && refused == 7,
               "Bundle-bundle-references: its %d value-less Observations are refused naming "
               "effective[x]",
               refused);
        if (why[0]) printf("# %s\n", why);
        json_decref(bundle);
        free(data);
    }

    /* Every file: a clear answer. */
    int files = 0, accepted = 0, refused = 0, unclear = 0;
    char first_unclear[700] = "";
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t nl = strlen(name);
        if (nl < 6 || strcmp(name + nl - 5, ".json") || !strcmp(name, "package.json")) continue;
        char path[1024], why[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char *data = slurp(path, &len);
        json_t *res = data ? json_loads(data, 0, NULL) : NULL;
        free(data);
        if (!json_is_object(res) || !json_object_get(res, "resourceType")) {
            json_decref(res);
            continue;
        }
        files++;
        struct e2e_response r;
        if (post_resource(&srv, token, res, &r) < 0) {
            unclear++;
            if (!first_unclear[0]) snprintf(first_unclear, sizeof first_unclear, "%s: no answer", name);
        } else if (clear_answer(&r, why, sizeof why)) {
            if (r.status < 300)
                accepted++;
            else
                refused++;
        } else {
            unclear++;
            if (!first_unclear[0]) snprintf(first_unclear, sizeof first_unclear, "%s: %s", name, why);
        }
        e2e_response_free(&r);
        json_decref(res);
    }
    report(files > 5000 && unclear == 0,
           "every example (%d files) gets a clear answer: %d accepted, %d refused with a reason",
           files, accepted, refused);
    if (first_unclear[0]) printf("# %s\n", first_unclear);

    struct e2e_response r;
    bool alive = e2e_request(&srv, "GET", "/healthz", NULL, NULL, NULL, 0, &r) == 0 && r.status == 200;
    e2e_response_free(&r);
    int exit_status = e2e_stop(&srv, false);
    report(alive && exit_status == 0, "the server still serves, then stops cleanly (status %d)",
           exit_status);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    e2e_cleanup(&srv);
    return failures ? 1 : 0;
}
