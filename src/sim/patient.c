/* Enrolled patients: why they are enrolled (the primary condition), their comorbidities,
 * age and sex, their devices and how those write units, their baselines, and who around
 * them sends reports. Proportions and their sources are in docs/sim.md; the clinical
 * profile is drawn from its own stream so that it does not depend on the commune chosen
 * (the coordinates file changes communes, never the signals or the truth). */
#include "core/instant.h"
#include "core/mem.h"
#include "sim/sim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_PROFILE = 10, STREAM_ADDRESS = 11 };

/* Share of enrolled patients by primary condition (docs/sim.md, "Who is enrolled"). */
static const double primary_share[PRIMARY_COUNT] = {
    [PRIMARY_HEART_FAILURE] = 0.32, [PRIMARY_DIABETES] = 0.24,      [PRIMARY_COPD] = 0.14,
    [PRIMARY_HYPERTENSION] = 0.12,  [PRIMARY_FRAIL_ELDERLY] = 0.13, [PRIMARY_DISABILITY] = 0.05,
};

static const char *const primary_names[PRIMARY_COUNT] = {
    "heart_failure", "diabetes", "copd", "hypertension", "frail_elderly", "disability"};

static const struct {
    enum sim_condition condition;
    const char *code, *display, *french;
} condition_codes[] = {
    {COND_HEART_FAILURE, "84114007", "Heart failure", "Insuffisance cardiaque"},
    {COND_T2_DIABETES, "44054006", "Diabetes mellitus type 2", "Diabète de type 2"},
    {COND_T1_DIABETES, "46635009", "Diabetes mellitus type 1", "Diabète de type 1"},
    {COND_COPD, "13645005", "Chronic obstructive lung disease", "BPCO"},
    {COND_HYPERTENSION, "38341003", "Hypertensive disorder", "Hypertension artérielle"},
    {COND_FRAILTY, "248279007", "Frailty", "Fragilité"},
    {COND_DISABILITY, "21134002", "Disability", "Situation de handicap"},
    /* Chronic hypercapnic respiratory failure is coded as chronic respiratory failure plus
     * hypercapnia; the pair is what tells NEWS2 to use SpO2 scale 2. */
    {COND_HYPERCAPNIA, "39871006", "Chronic respiratory failure",
     "Insuffisance respiratoire chronique hypercapnique"},
    {COND_HYPERCAPNIA, "29596007", "Hypercapnia", "Hypercapnie"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const role_names[SIM_ROLE_COUNT] = {
    "none",      "caregiver",    "home-help", "tele-assistance", "senior-residence",
    "ambulance", "professional", "patient"};

const char *sim_role_name(enum sim_role role)
{
    return (unsigned)role < SIM_ROLE_COUNT ? role_names[role] : "none";
}

void sim_patient_id(uint32_t p, char out[16])
{
    unsigned v = p + 1;
    memcpy(out, "p-", 2);
    for (int i = 8; i >= 2; i--, v /= 10) out[i] = (char)('0' + v % 10);
    out[9] = '\0';
}

static enum sim_primary draw_primary(sim_rng *r)
{
    double u = sim_rng_uniform(r), acc = 0;
    for (int i = 0; i < PRIMARY_COUNT; i++) {
        acc += primary_share[i];
        if (u < acc) return (enum sim_primary)i;
    }
    return PRIMARY_HEART_FAILURE;
}

static void draw_conditions(struct sim_patient *pt, sim_rng *r)
{
    unsigned c = 0;
    double age_mean = 70, age_sd = 10, male = 0.5;
    switch (pt->primary) {
    case PRIMARY_HEART_FAILURE:
        c = COND_HEART_FAILURE;
        if (sim_rng_chance(r, 0.60)) c |= COND_HYPERTENSION;
        if (sim_rng_chance(r, 0.35)) c |= COND_T2_DIABETES;
        if (sim_rng_chance(r, 0.15)) c |= COND_COPD;
        age_mean = 76, age_sd = 9, male = 0.55;
        break;
    case PRIMARY_DIABETES:
        if (sim_rng_chance(r, 0.12)) {
            c = COND_T1_DIABETES | COND_INSULIN;
            age_mean = 38, age_sd = 14, male = 0.55;
        } else {
            /* Telemonitored type 2 diabetes is mostly insulin-treated (ETAPES criteria). */
            c = COND_T2_DIABETES | (sim_rng_chance(r, 0.8) ? COND_INSULIN : 0);
            if (sim_rng_chance(r, 0.60)) c |= COND_HYPERTENSION;
            if (sim_rng_chance(r, 0.10)) c |= COND_HEART_FAILURE;
            age_mean = 66, age_sd = 11, male = 0.55;
        }
        break;
    case PRIMARY_COPD:
        c = COND_COPD;
        if (sim_rng_chance(r, 0.30)) c |= COND_HYPERCAPNIA;
        if ((c & COND_HYPERCAPNIA) && sim_rng_chance(r, 0.75)) c |= COND_LONG_TERM_O2;
        if (sim_rng_chance(r, 0.40)) c |= COND_HYPERTENSION;
        if (sim_rng_chance(r, 0.20)) c |= COND_HEART_FAILURE;
        if (sim_rng_chance(r, 0.15)) c |= COND_T2_DIABETES;
        age_mean = 70, age_sd = 9, male = 0.60;
        break;
    case PRIMARY_HYPERTENSION:
        c = COND_HYPERTENSION;
        if (sim_rng_chance(r, 0.25)) c |= COND_T2_DIABETES;
        if (sim_rng_chance(r, 0.08)) c |= COND_HEART_FAILURE;
        age_mean = 68, age_sd = 11, male = 0.50;
        break;
    case PRIMARY_FRAIL_ELDERLY:
        c = COND_FRAILTY;
        if (sim_rng_chance(r, 0.55)) c |= COND_HYPERTENSION;
        if (sim_rng_chance(r, 0.20)) c |= COND_HEART_FAILURE;
        if (sim_rng_chance(r, 0.20)) c |= COND_T2_DIABETES;
        if (sim_rng_chance(r, 0.10)) c |= COND_COPD;
        age_mean = 85, age_sd = 6, male = 0.30;
        break;
    default:
        c = COND_DISABILITY;
        if (sim_rng_chance(r, 0.10)) c |= COND_T2_DIABETES;
        age_mean = 45, age_sd = 17, male = 0.55;
        break;
    }
    if ((c & COND_T2_DIABETES) && pt->primary != PRIMARY_DIABETES && sim_rng_chance(r, 0.4))
        c |= COND_INSULIN;
    double lo = 40;
    if (pt->primary == PRIMARY_FRAIL_ELDERLY) lo = 70;
    if (pt->primary == PRIMARY_DISABILITY || (c & COND_T1_DIABETES)) lo = 18;
    pt->age = (uint8_t)lround(sim_rng_clamped_normal(r, age_mean, age_sd, lo, 101));
    pt->female = !sim_rng_chance(r, male);
    if (pt->age >= 80 && pt->primary != PRIMARY_FRAIL_ELDERLY && sim_rng_chance(r, 0.3))
        c |= COND_FRAILTY;
    pt->conditions = (uint16_t)c;
}

static void draw_devices(struct sim_patient *pt, sim_rng *r)
{
    unsigned c = pt->conditions, d = 0;
    if (c & COND_HEART_FAILURE) {
        d |= DEV_SCALE | DEV_BP_CUFF;
        if (sim_rng_chance(r, 0.4)) d |= DEV_OXIMETER;
    }
    /* Every condition the triage watches comes with its device: without an enrolment,
     * `vigie triage` expects daily weight in heart failure, glucose in diabetes, SpO2 in
     * COPD and blood pressure in hypertension (docs/triage.md). */
    if (c & (COND_T1_DIABETES | COND_T2_DIABETES)) {
        d |= DEV_GLUCOMETER;
        if (pt->primary == PRIMARY_DIABETES && sim_rng_chance(r, 0.3)) d |= DEV_SCALE;
    }
    if (c & COND_COPD) {
        d |= DEV_OXIMETER;
        if (sim_rng_chance(r, 0.7)) d |= DEV_RESP_RATE;
        if (c & COND_LONG_TERM_O2) d |= DEV_O2;
    }
    if (c & COND_HYPERTENSION) d |= DEV_BP_CUFF;
    if (pt->primary == PRIMARY_FRAIL_ELDERLY) {
        if (sim_rng_chance(r, 0.8)) d |= DEV_TRACKER;
        if (sim_rng_chance(r, 0.85)) d |= DEV_FALL_DETECTOR;
    } else if (c & COND_FRAILTY) {
        if (sim_rng_chance(r, 0.5)) d |= DEV_FALL_DETECTOR;
    }
    if (pt->primary == PRIMARY_DISABILITY) {
        if (sim_rng_chance(r, 0.5)) d |= DEV_OXIMETER | DEV_THERMOMETER;
        if (sim_rng_chance(r, 0.3)) d |= DEV_TRACKER;
        if (sim_rng_chance(r, 0.4)) d |= DEV_FALL_DETECTOR;
    }
    if (pt->primary != PRIMARY_FRAIL_ELDERLY && pt->primary != PRIMARY_DISABILITY &&
        sim_rng_chance(r, 0.15))
        d |= DEV_TRACKER;
    if (!(d & ~(DEV_FALL_DETECTOR))) d |= DEV_TRACKER; /* everyone sends something daily */
    pt->devices = (uint16_t)d;
    pt->bp_per_day = (d & DEV_BP_CUFF) ? (pt->primary == PRIMARY_HYPERTENSION ? 2 : 1) : 0;
    pt->glucose_per_day = !(d & DEV_GLUCOMETER)    ? 0
                          : (c & COND_T1_DIABETES) ? 4
                          : (c & COND_INSULIN)     ? (sim_rng_chance(r, 0.5) ? 3 : 2)
                                                   : 1;

    /* Unit and code habits of the device vendors (docs/sim.md, "Unit variety"). */
    unsigned u = 0;
    double x = sim_rng_uniform(r);
    if (x < 0.08)
        u |= UNIT_WEIGHT_G;
    else if (x < 0.12)
        u |= UNIT_WEIGHT_LB;
    x = sim_rng_uniform(r);
    if (x < 0.25)
        u |= UNIT_GLUCOSE_G_L;
    else if (x < 0.40)
        u |= UNIT_GLUCOSE_MMOL;
    if (sim_rng_chance(r, 0.08)) u |= UNIT_TEMP_F;
    if (sim_rng_chance(r, 0.05)) u |= UNIT_BP_KPA;
    if (sim_rng_chance(r, 0.20)) u |= UNIT_BP_SPLIT;
    if (sim_rng_chance(r, 0.25)) u |= UNIT_SPO2_TWO_CODES;
    if (sim_rng_chance(r, 0.20)) u |= UNIT_ALT_CODE;
    pt->units = (uint16_t)u;
}

static void draw_baselines(struct sim_patient *pt, sim_rng *r)
{
    unsigned c = pt->conditions;
    bool frail = pt->primary == PRIMARY_FRAIL_ELDERLY;
    pt->weight = (float)sim_rng_clamped_normal(r, frail ? 60 : pt->female ? 70 : 82, 14, 40, 150);
    double sys = (c & COND_HYPERTENSION) ? 138 : (c & COND_HEART_FAILURE) ? 122 : 128;
    pt->systolic = (float)sim_rng_clamped_normal(r, sys, 10, 114, 155);
    pt->diastolic = (float)sim_rng_clamped_normal(r, pt->systolic * 0.58, 6, 60, 95);
    pt->heart_rate = (float)sim_rng_clamped_normal(r, (c & COND_COPD) ? 80 : 71, 7, 56, 92);
    if (c & COND_HYPERCAPNIA)
        pt->spo2 = (float)sim_rng_clamped_normal(r, 90, 1.0, 88.5, 91.5);
    else if (c & COND_COPD)
        pt->spo2 = (float)sim_rng_clamped_normal(r, 95, 0.8, 94, 96.5);
    else
        pt->spo2 = (float)sim_rng_clamped_normal(r, 96.5, 1.0, 95, 98.5);
    pt->resp_rate = (float)sim_rng_clamped_normal(r, (c & COND_COPD) ? 18 : 15, 1.2, 13, 19);
    pt->temperature = (float)sim_rng_clamped_normal(r, 36.7, 0.15, 36.3, 37.1);
    pt->glucose = (float)((c & COND_T1_DIABETES) ? sim_rng_clamped_normal(r, 150, 20, 110, 190)
                                                 : sim_rng_clamped_normal(r, 135, 18, 100, 180));
    double steps = frail ? 2500 : pt->primary == PRIMARY_DISABILITY ? 3000 : 4500;
    pt->steps = (float)sim_rng_clamped_normal(r, steps, steps * 0.3, 800, 12000);
    pt->o2_flow = (c & COND_LONG_TERM_O2) ? (float)(1 + 0.5 * sim_rng_below(r, 5)) : 0;
    /* Adherence: most patients measure almost every day, a few skip often. */
    double a = sim_rng_uniform(r);
    pt->miss_percent = a < 0.70 ? 3 : a < 0.95 ? 8 : 15;
}

static void draw_caregiver(struct sim_patient *pt, sim_rng *r)
{
    double x = sim_rng_uniform(r);
    bool old = pt->age >= 75;
    if (x < 0.45)
        pt->caregiver = SIM_ROLE_CAREGIVER;
    else if (x < (old ? 0.70 : 0.55))
        pt->caregiver = SIM_ROLE_HOME_HELP;
    else if (x < (old ? 0.78 : 0.58))
        pt->caregiver = SIM_ROLE_TELE_ASSISTANCE;
    else if (x < (old ? 0.83 : 0.59))
        pt->caregiver = SIM_ROLE_SENIOR_RESIDENCE;
    else
        pt->caregiver = SIM_ROLE_NONE;
}

/* Expected daily measurements, as the enrolment API takes them (DESIGN §9). */
struct expected {
    const char *kind;
    int per_day;
};

static unsigned expected_of(const struct sim_patient *pt, struct expected out[9])
{
    unsigned d = pt->devices, n = 0;
    if (d & DEV_SCALE) out[n++] = (struct expected){"weight", 1};
    if (d & DEV_BP_CUFF) out[n++] = (struct expected){"blood_pressure", pt->bp_per_day};
    if (d & (DEV_BP_CUFF | DEV_OXIMETER))
        out[n++] = (struct expected){"heart_rate", (d & DEV_BP_CUFF) ? pt->bp_per_day : 1};
    if (d & DEV_OXIMETER) out[n++] = (struct expected){"spo2", 1};
    if (d & DEV_RESP_RATE) out[n++] = (struct expected){"respiratory_rate", 1};
    if (d & DEV_THERMOMETER) out[n++] = (struct expected){"temperature", 1};
    if (d & DEV_GLUCOMETER) out[n++] = (struct expected){"glucose", pt->glucose_per_day};
    if (d & DEV_TRACKER) out[n++] = (struct expected){"steps", 1};
    if (d & DEV_O2) out[n++] = (struct expected){"o2_flow", 1};
    return n;
}

static void write_expected(const struct sim_patient *pt, buf *b)
{
    struct expected e[9];
    unsigned n = expected_of(pt, e);
    buf_puts(b, ",\"expected\":[");
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "%s{\"kind\":\"%s\",\"per_day\":%d}", i ? "," : "", e[i].kind, e[i].per_day);
    buf_putc(b, ']');
}

static void write_programme_patient(const struct sim_world *w, uint32_t p, buf *b)
{
    const struct sim_patient *pt = &w->patients[p];
    const struct sim_territory *t = &w->territories[pt->territory];
    char id[16];
    sim_patient_id(p, id);
    buf_printf(b, "{\"type\":\"patient\",\"id\":\"%s\",\"territory\":\"%s\",\"commune\":\"%s\"", id,
               t->id, w->communes.items[pt->commune].code);
    buf_printf(b, ",\"primary\":\"%s\",\"conditions\":[", primary_names[pt->primary]);
    bool first = true;
    for (size_t i = 0; i < COUNT(condition_codes); i++) {
        if (!(pt->conditions & condition_codes[i].condition)) continue;
        buf_printf(b, "%s\"%s\"", first ? "" : ",", condition_codes[i].code);
        first = false;
    }
    buf_putc(b, ']');
    write_expected(pt, b);
    buf_printf(b, ",\"spo2_scale\":%d", (pt->conditions & COND_HYPERCAPNIA) ? 2 : 1);
    bool vendor_a = pt->devices & (DEV_SCALE | DEV_BP_CUFF | DEV_OXIMETER | DEV_O2);
    buf_printf(b, ",\"gateway\":\"gw-%s-%s\"", t->id + 2, vendor_a ? "a" : "b");
    if (pt->caregiver != SIM_ROLE_NONE) buf_printf(b, ",\"caregiver\":\"cg-%07u\"", p + 1);
    buf_puts(b, "}\n");
    if (pt->caregiver != SIM_ROLE_NONE) {
        char username[24], password[20], name[64];
        snprintf(username, sizeof username, "cg-%07u", p + 1);
        sim_password(w->cfg.seed, username, password);
        sim_person_name(w->cfg.seed, sim_mix64(0xca7e000000000000ULL | p), p % 3 != 0, name);
        buf_printf(b, "{\"type\":\"user\",\"username\":\"%s\",\"role\":\"caregiver\",", username);
        buf_puts(b, "\"name\":");
        buf_append_json_string(b, name, strlen(name));
        buf_printf(b, ",\"password\":\"%s\",\"relation\":\"%s\",\"patients\":[\"%s\"]}\n", password,
                   sim_role_name((enum sim_role)pt->caregiver), id);
    }
}

void sim_fhir_patient(const struct sim_world *w, uint32_t p, buf *b)
{
    const struct sim_patient *pt = &w->patients[p];
    const struct sim_commune *c = &w->communes.items[pt->commune];
    char id[16], name[64], birth[40];
    sim_patient_id(p, id);
    sim_person_name(w->cfg.seed, p, pt->female, name);
    instant_format((int64_t)pt->birth_day * INSTANT_MS_PER_DAY, INSTANT_DAY, birth);
    const char *space = strchr(name, ' ');
    buf_printf(b,
               "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"extension\":[{\"url\":"
               "\"urn:vigie:territory\",\"valueString\":\"%s\"}",
               id, w->territories[pt->territory].id);
    /* The enrolment's expected measurements, so that a replay without the registry knows
     * what is missing: {"url":"urn:vigie:expected","extension":[{"url":"weight",
     * "valueDecimal":1},...]} (a proposal: docs/sim.md). */
    struct expected e[9];
    unsigned n = expected_of(pt, e);
    buf_puts(b, ",{\"url\":\"urn:vigie:expected\",\"extension\":[");
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "%s{\"url\":\"%s\",\"valueDecimal\":%d}", i ? "," : "", e[i].kind,
                   e[i].per_day);
    buf_printf(b,
               "]}],\"identifier\":[{\"system\":\"urn:vigie:sim:patient\",\"value\":\"%s\"}],"
               "\"active\":true,",
               id);
    buf_puts(b, "\"name\":[{\"family\":");
    buf_append_json_string(b, space + 1, strlen(space + 1));
    buf_puts(b, ",\"given\":[");
    buf_append_json_string(b, name, (size_t)(space - name));
    buf_printf(b, "]}],\"gender\":\"%s\",\"birthDate\":\"%s\",", pt->female ? "female" : "male",
               birth);
    /* The commune twice: Vigie's extension, and FR Core's for other French systems. */
    buf_printf(b,
               "\"address\":[{\"extension\":[{\"url\":\"urn:vigie:commune\",\"valueCode\":"
               "\"%s\"},{\"url\":\"https://hl7.fr/ig/fhir/core/StructureDefinition/"
               "fr-core-address-insee-code\",\"valueCoding\":{\"code\":\"%s\"}}],"
               "\"use\":\"home\",\"city\":",
               c->code, c->code);
    buf_append_json_string(b, c->name, strlen(c->name));
    if (c->postal_code[0]) buf_printf(b, ",\"postalCode\":\"%s\"", c->postal_code);
    buf_printf(b, ",\"district\":\"%s\",\"country\":\"FR\"}]}\n", c->departement);
    /* Conditions, recorded at enrolment a few weeks before day 0. */
    char recorded[16];
    sim_format_local_date(w->cfg.start_ms - (int64_t)(3 + p % 40) * INSTANT_MS_PER_DAY, recorded);
    unsigned k = 0;
    for (size_t i = 0; i < COUNT(condition_codes); i++) {
        if (!(pt->conditions & condition_codes[i].condition)) continue;
        k++;
        buf_printf(b, "{\"resourceType\":\"Condition\",\"id\":\"cd-%07u-%u\",", p + 1, k);
        buf_puts(b, "\"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
                    "CodeSystem/condition-clinical\",\"code\":\"active\"}]},"
                    "\"verificationStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7."
                    "org/CodeSystem/condition-ver-status\",\"code\":\"confirmed\"}]},");
        buf_printf(b,
                   "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                   "\"%s\",\"display\":\"%s\"}],\"text\":",
                   condition_codes[i].code, condition_codes[i].display);
        buf_append_json_string(b, condition_codes[i].french, strlen(condition_codes[i].french));
        buf_printf(b, "},\"subject\":{\"reference\":\"Patient/%s\"},\"recordedDate\":\"%s\"}\n", id,
                   recorded);
    }
}

int sim_patients_build(struct sim_world *w, verr *e)
{
    (void)e;
    uint32_t n = w->cfg.patients;
    w->patients = xcalloc(n ? n : 1, sizeof *w->patients);
    w->patient_count = n;
    int64_t start_day = w->cfg.start_ms / INSTANT_MS_PER_DAY;
    buf b;
    buf_init(&b, 1 << 20);
    for (unsigned ti = 0; ti < w->territory_count; ti++) {
        const struct sim_territory *t = &w->territories[ti];
        /* Cumulative populations of the members, to place patients where people live. */
        uint64_t *cumulative = xmalloc(t->member_count * sizeof *cumulative);
        uint64_t sum = 0;
        for (uint32_t i = 0; i < t->member_count; i++) {
            sum += w->communes.items[w->members[t->first_member + i]].population;
            cumulative[i] = sum;
        }
        for (uint32_t p = t->first_patient; p < t->first_patient + t->patients; p++) {
            struct sim_patient *pt = &w->patients[p];
            pt->territory = (uint16_t)ti;
            sim_rng r;
            sim_rng_seed(&r, w->cfg.seed, p, 0, STREAM_ADDRESS);
            uint64_t x = (uint64_t)(sim_rng_uniform(&r) * (double)sum);
            uint32_t lo = 0, hi = t->member_count - 1;
            while (lo < hi) {
                uint32_t mid = (lo + hi) / 2;
                if (cumulative[mid] > x)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            pt->commune = w->members[t->first_member + lo];
            sim_rng_seed(&r, w->cfg.seed, p, 0, STREAM_PROFILE);
            pt->primary = (uint8_t)draw_primary(&r);
            draw_conditions(pt, &r);
            draw_devices(pt, &r);
            draw_baselines(pt, &r);
            draw_caregiver(pt, &r);
            pt->birth_day =
                (int32_t)(start_day - (int64_t)(pt->age * 365.25) - sim_rng_below(&r, 365));
            sim_episodes_schedule(w, p);
            if (w->out.programme) {
                write_programme_patient(w, p, &b);
                fwrite(b.data, 1, b.len, w->out.programme);
                buf_reset(&b);
            }
            if (w->out.signals) {
                sim_fhir_patient(w, p, &b);
                for (const char *q = b.data; (q = strchr(q, '\n')); q++) w->stats->resources++;
                fwrite(b.data, 1, b.len, w->out.signals);
                buf_reset(&b);
            }
            if (w->out.truth) {
                for (uint32_t k = 0; k < pt->episode_count; k++) {
                    sim_truth_episode(w, &w->episodes[pt->first_episode + k], k, &b);
                }
                if (b.len) fwrite(b.data, 1, b.len, w->out.truth);
                buf_reset(&b);
            }
        }
        free(cumulative);
    }
    buf_free(&b);
    return 0;
}
