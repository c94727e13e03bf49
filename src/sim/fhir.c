/* Signals as FHIR R4 resources, one JSON object per line: Observations with exactly the
 * codes and units of DESIGN §5 in the patient's vendor's habits (kg, g or [lb_av]; mg/dL,
 * g/L or mmol/L with the matching LOINC code; Cel or [degF]; mm[Hg] or kPa; blood pressure
 * as a panel or as two Observations), Communications from the people around the patient
 * and ServiceRequests from professionals. Written by hand rather than through jansson: the
 * generator writes hundreds of millions of lines and the shape is fixed. */
#include "model/measure.h"
#include "sim/sim_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define UCUM "http://unitsofmeasure.org"

/* Appenders: the hot path avoids printf, whose format parsing was most of the run time. */
#define PUT(b, literal) buf_append((b), (literal), sizeof(literal) - 1)

static void put(buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

static void put_digits(buf *b, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    buf_append(b, tmp + sizeof tmp - n, (size_t)n);
}

/* `v` with `decimals` digits after the point, rounded half away from zero. */
static void put_fixed(buf *b, double v, int decimals)
{
    static const double scale[] = {1, 10, 100, 1000};
    if (v < 0) {
        buf_putc(b, '-');
        v = -v;
    }
    uint64_t n = (uint64_t)llround(v * scale[decimals]);
    uint64_t unit = (uint64_t)scale[decimals];
    put_digits(b, n / unit, 1);
    if (decimals) {
        buf_putc(b, '.');
        put_digits(b, n % unit, decimals);
    }
}

struct ids {
    char patient[16], resource[40], when[32];
};

static char *write_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
    return p + width;
}

/* "o-0000123-017-05" plus a suffix: patient, day and the signal's order in the day. */
static void make_ids(const struct sim_signal *s, const char *prefix, const char *suffix,
                     struct ids *ids)
{
    sim_patient_id(s->patient, ids->patient);
    char *p = ids->resource;
    size_t n = strlen(prefix);
    memcpy(p, prefix, n);
    p += n;
    *p++ = '-';
    p = write_digits(p, s->patient + 1u, 7);
    *p++ = '-';
    p = write_digits(p, s->day, 3);
    *p++ = '-';
    p = write_digits(p, s->seq, 2);
    strcpy(p, suffix);
    sim_format_local(s->at_ms, ids->when);
}

static void observation_head(const struct sim_signal *s, const char *suffix, const char *category,
                             buf *b, struct ids *ids)
{
    make_ids(s, "o", suffix, ids);
    PUT(b, "{\"resourceType\":\"Observation\",\"id\":\"");
    put(b, ids->resource);
    PUT(b, "\",\"identifier\":[{\"system\":\"urn:vigie:sim:observation\",\"value\":\"");
    put(b, ids->resource);
    PUT(b, "\"}],\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://"
           "terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"");
    put(b, category);
    PUT(b, "\"}]}],");
}

static void code_loinc(buf *b, const char *code, const char *display)
{
    PUT(b, "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"");
    put(b, code);
    PUT(b, "\",\"display\":\"");
    put(b, display);
    PUT(b, "\"}]},");
}

static void professional_ref(const struct sim_world *w, const struct sim_signal *s, char out[32])
{
    const struct sim_territory *t = &w->territories[w->patients[s->patient].territory];
    unsigned i = s->sender < t->professional_count ? s->sender : 0;
    sim_professional_username(t, i, out);
}

static void subject_and_time(const struct sim_world *w, const struct sim_signal *s,
                             const struct ids *ids, buf *b)
{
    PUT(b, "\"subject\":{\"reference\":\"Patient/");
    put(b, ids->patient);
    PUT(b, "\"},\"effectiveDateTime\":\"");
    put(b, ids->when);
    PUT(b, "\",");
    if (s->flags & SF_PROFESSIONAL) {
        char pro[32];
        professional_ref(w, s, pro);
        PUT(b, "\"performer\":[{\"reference\":\"Practitioner/");
        put(b, pro);
        PUT(b, "\"}],");
    }
}

/* A valueQuantity with `decimals` digits: each unit has the precision devices give it. */
static void quantity(buf *b, double value, int decimals, const char *unit, const char *code)
{
    PUT(b, "\"valueQuantity\":{\"value\":");
    put_fixed(b, value, decimals);
    PUT(b, ",\"unit\":\"");
    put(b, unit);
    PUT(b, "\",\"system\":\"" UCUM "\",\"code\":\"");
    put(b, code);
    PUT(b, "\"}");
}

static void pleth_note(const struct sim_signal *s, buf *b)
{
    if (s->artefact == ART_SPO2_PLETH)
        PUT(b, ",\"note\":[{\"text\":\"Qualité du signal faible (pléthysmogramme "
               "irrégulier)\"}]");
}

static void simple(const struct sim_world *w, const struct sim_signal *s, buf *b,
                   const char *category, const char *code, const char *display, double value,
                   int decimals, const char *unit, const char *ucum)
{
    struct ids ids;
    observation_head(s, "", category, b, &ids);
    code_loinc(b, code, display);
    subject_and_time(w, s, &ids, b);
    quantity(b, value, decimals, unit, ucum);
    pleth_note(s, b);
    PUT(b, "}\n");
}

static void blood_pressure(const struct sim_world *w, const struct sim_signal *s, unsigned units,
                           buf *b)
{
    bool kpa = units & UNIT_BP_KPA;
    const char *unit = kpa ? "kPa" : "mmHg", *code = kpa ? "kPa" : "mm[Hg]";
    double scale = kpa ? 1 / 7.50062 : 1;
    int decimals = kpa ? 1 : 0;
    double sys = s->v[0] * scale, dia = s->v[1] * scale;
    if (units & UNIT_BP_SPLIT) {
        simple(w, s, b, "vital-signs", "8480-6", "Systolic blood pressure", sys, decimals, unit,
               code);
        struct ids ids;
        observation_head(s, "-d", "vital-signs", b, &ids);
        code_loinc(b, "8462-4", "Diastolic blood pressure");
        subject_and_time(w, s, &ids, b);
        quantity(b, dia, decimals, unit, code);
        PUT(b, "}\n");
        return;
    }
    struct ids ids;
    observation_head(s, "", "vital-signs", b, &ids);
    code_loinc(b, "85354-9", "Blood pressure panel with all children optional");
    subject_and_time(w, s, &ids, b);
    PUT(b, "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
           "\"8480-6\",\"display\":\"Systolic blood pressure\"}]},");
    quantity(b, sys, decimals, unit, code);
    PUT(b, "},{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\","
           "\"display\":\"Diastolic blood pressure\"}]},");
    quantity(b, dia, decimals, unit, code);
    PUT(b, "}]}\n");
}

static void spo2(const struct sim_world *w, const struct sim_signal *s, unsigned units, buf *b)
{
    if (!(units & UNIT_SPO2_TWO_CODES)) {
        simple(w, s, b, "vital-signs", "59408-5",
               "Oxygen saturation in Arterial blood by Pulse oximetry", s->v[0], 0, "%", "%");
        return;
    }
    struct ids ids;
    observation_head(s, "", "vital-signs", b, &ids);
    PUT(b, "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2708-6\","
           "\"display\":\"Oxygen saturation in Arterial blood\"},{\"system\":\"http://"
           "loinc.org\",\"code\":\"59408-5\",\"display\":\"Oxygen saturation in Arterial "
           "blood by Pulse oximetry\"}]},");
    subject_and_time(w, s, &ids, b);
    quantity(b, s->v[0], 0, "%", "%");
    pleth_note(s, b);
    PUT(b, "}\n");
}

static void glucose(const struct sim_world *w, const struct sim_signal *s, unsigned units, buf *b)
{
    bool alt = units & UNIT_ALT_CODE;
    if (units & UNIT_GLUCOSE_MMOL) {
        simple(w, s, b, "laboratory", alt ? "15074-8" : "14743-9",
               alt ? "Glucose [Moles/volume] in Blood"
                   : "Glucose [Moles/volume] in Capillary blood by Glucometer",
               s->v[0] / 18.016, 1, "mmol/L", "mmol/L");
    } else {
        bool gl = units & UNIT_GLUCOSE_G_L;
        simple(w, s, b, "laboratory", alt ? "2339-0" : "41653-7",
               alt ? "Glucose [Mass/volume] in Blood"
                   : "Glucose [Mass/volume] in Capillary blood by Glucometer",
               gl ? s->v[0] / 100 : s->v[0], gl ? 2 : 0, gl ? "g/L" : "mg/dL",
               gl ? "g/L" : "mg/dL");
    }
}

static void fall(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    struct ids ids;
    observation_head(s, "", "activity", b, &ids);
    PUT(b, "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"1912002\","
           "\"display\":\"Fall\"}],\"text\":\"Chute détectée\"},");
    subject_and_time(w, s, &ids, b);
    bool minutes = s->flags & SF_MINUTES;
    PUT(b, "\"valueBoolean\":true,\"component\":[{\"code\":{\"coding\":[{\"system\":"
           "\"urn:vigie:measure\",\"code\":\"immobile-after-fall\"}],\"text\":\"Time "
           "without movement after the fall\"},");
    quantity(b, minutes ? s->v[0] / 60 : s->v[0], 0, minutes ? "min" : "s", minutes ? "min" : "s");
    PUT(b, "}]}\n");
}

static void consciousness(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    static const char *const codes[] = {"A", "C", "V", "P", "U"};
    static const char *const displays[] = {"Alert", "New confusion", "Voice", "Pain",
                                           "Unresponsive"};
    unsigned v = (unsigned)s->v[0] < 5 ? (unsigned)s->v[0] : 0;
    struct ids ids;
    observation_head(s, "", "survey", b, &ids);
    code_loinc(b, "67775-7", "Level of responsiveness");
    subject_and_time(w, s, &ids, b);
    buf_printf(b,
               "\"valueCodeableConcept\":{\"coding\":[{\"code\":\"%s\",\"display\":\"%s\"}],"
               "\"text\":\"%s\"}}\n",
               codes[v], displays[v], codes[v]);
}

/* The person who wrote a report, as a reference their user in the programme matches. */
static void sender_ref(const struct sim_world *w, const struct sim_signal *s, char out[48])
{
    const struct sim_patient *pt = &w->patients[s->patient];
    const struct sim_territory *t = &w->territories[pt->territory];
    enum sim_role role = (enum sim_role)s->role;
    if (role == SIM_ROLE_PROFESSIONAL) {
        char pro[32];
        professional_ref(w, s, pro);
        snprintf(out, 48, "Practitioner/%s", pro);
    } else if (role == SIM_ROLE_PATIENT) {
        snprintf(out, 48, "Patient/p-%07u", s->patient + 1);
    } else if (role == pt->caregiver) {
        snprintf(out, 48, "RelatedPerson/cg-%07u", s->patient + 1);
    } else {
        snprintf(out, 48, "RelatedPerson/%s-%s", role == SIM_ROLE_AMBULANCE ? "amb" : "ta",
                 t->id + 2);
    }
}

static void communication(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    struct ids ids;
    char sender[48];
    make_ids(s, "c", "", &ids);
    sender_ref(w, s, sender);
    const char *text = sim_text(s->text);
    buf_printf(b,
               "{\"resourceType\":\"Communication\",\"id\":\"%s\",\"identifier\":[{\"system\":"
               "\"urn:vigie:sim:communication\",\"value\":\"%s\"}],\"status\":\"completed\","
               "\"category\":[{\"coding\":[{\"system\":\"urn:vigie:sender-role\",\"code\":"
               "\"%s\"}]}],"
               "\"subject\":{\"reference\":\"Patient/%s\"},\"sender\":{\"reference\":\"%s\"},"
               "\"sent\":\"%s\",\"payload\":[{\"contentString\":",
               ids.resource, ids.resource, sim_role_name((enum sim_role)s->role), ids.patient,
               sender, ids.when);
    buf_append_json_string(b, text, strlen(text));
    buf_puts(b, "}]}\n");
}

static const char *const priority_names[] = {"routine", "urgent", "asap", "stat"};

static void service_request(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    struct ids ids;
    char pro[32];
    make_ids(s, "sr", "", &ids);
    professional_ref(w, s, pro);
    const char *text = sim_text(s->text);
    buf_printf(b,
               "{\"resourceType\":\"ServiceRequest\",\"id\":\"%s\",\"identifier\":[{\"system\":"
               "\"urn:vigie:sim:request\",\"value\":\"%s\"}],\"status\":\"active\",\"intent\":"
               "\"order\",\"priority\":\"%s\",\"code\":{\"coding\":[{\"system\":\"urn:vigie:"
               "request\",\"code\":\"tele-expertise\",\"display\":\"Télé-expertise\"}],\"text\":"
               "\"Demande de télé-expertise\"},\"subject\":{\"reference\":\"Patient/%s\"},"
               "\"authoredOn\":\"%s\",\"requester\":{\"reference\":\"Practitioner/%s\"},"
               "\"reasonCode\":[{\"text\":",
               ids.resource, ids.resource, priority_names[s->role & 3], ids.patient, ids.when, pro);
    buf_append_json_string(b, text, strlen(text));
    buf_puts(b, "}]}\n");
}

void sim_fhir_signal(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    unsigned units = w->patients[s->patient].units;
    double v = s->v[0];
    switch ((enum sim_signal_kind)s->kind) {
    case SIG_WEIGHT:
        if (units & UNIT_WEIGHT_G)
            simple(w, s, b, "vital-signs", "29463-7", "Body weight", v * 1000, 0, "g", "g");
        else if (units & UNIT_WEIGHT_LB)
            simple(w, s, b, "vital-signs", "29463-7", "Body weight", v / 0.45359237, 1, "lb",
                   "[lb_av]");
        else
            simple(w, s, b, "vital-signs", "29463-7", "Body weight", v, 1, "kg", "kg");
        break;
    case SIG_BLOOD_PRESSURE:
        blood_pressure(w, s, units, b);
        break;
    case SIG_HEART_RATE:
        simple(w, s, b, "vital-signs", "8867-4", "Heart rate", v, 0, "beats/minute", "/min");
        break;
    case SIG_SPO2:
        spo2(w, s, units, b);
        break;
    case SIG_RESP_RATE:
        simple(w, s, b, "vital-signs", "9279-1", "Respiratory rate", v, 0, "breaths/minute",
               "/min");
        break;
    case SIG_TEMPERATURE:
        if (units & UNIT_TEMP_F)
            simple(w, s, b, "vital-signs", "8310-5", "Body temperature", v * 9 / 5 + 32, 1, "°F",
                   "[degF]");
        else
            simple(w, s, b, "vital-signs", "8310-5", "Body temperature", v, 1, "°C", "Cel");
        break;
    case SIG_GLUCOSE:
        glucose(w, s, units, b);
        break;
    case SIG_STEPS:
        simple(w, s, b, "activity", "55423-8", "Number of steps in unspecified time Pedometer", v,
               0, "steps/day", "/d");
        break;
    case SIG_O2_FLOW:
        simple(w, s, b, "vital-signs", "3151-8", "Inhaled oxygen flow rate", v, 1, "L/min",
               "L/min");
        break;
    case SIG_CONSCIOUSNESS:
        consciousness(w, s, b);
        break;
    case SIG_FALL:
        fall(w, s, b);
        break;
    case SIG_REPORT:
        communication(w, s, b);
        break;
    case SIG_REQUEST:
        service_request(w, s, b);
        break;
    default:
        break;
    }
}

/* ---- truth lines for artefacts and background complaints and requests ---- */

static const char *const artefact_names[] = {"none", "spo2_pleth", "heart_rate_motion",
                                             "weight_other_person", "temperature_cold"};

void sim_truth_signal(const struct sim_world *w, const struct sim_signal *s, buf *b)
{
    (void)w;
    if (!(s->flags & (SF_ARTEFACT | SF_TRUTH))) return;
    struct ids ids;
    if (s->flags & SF_ARTEFACT) {
        make_ids(s, "o", "", &ids);
        buf_printf(b,
                   "{\"record\":\"artefact\",\"id\":\"a-%07u-%03u-%02u\",\"patient\":\"%s\","
                   "\"type\":\"%s\",\"at\":\"%s\",\"source\":\"Observation/%s\",\"value\":%.1f}\n",
                   s->patient + 1, s->day, s->seq, ids.patient, artefact_names[s->artefact & 7],
                   ids.when, ids.resource, s->v[0]);
        return;
    }
    bool is_request = s->kind == SIG_REQUEST;
    make_ids(s, is_request ? "sr" : "c", "", &ids);
    static const int request_category[] = {3, 2, 2, 1};
    int category = is_request ? request_category[s->role & 3] : 3;
    const char *text = sim_text(s->text);
    buf_printf(b,
               "{\"record\":\"episode\",\"id\":\"x-%07u-%03u-%02u\",\"patient\":\"%s\",\"type\":"
               "\"%s\",\"severity\":\"%s\",\"onset\":\"%s\",\"end\":\"%s\",\"category\":%d,"
               "\"nature\":\"acute\",\"rules\":[\"%s\"],\"also\":[],\"source\":\"%s/%s\","
               "\"detail\":",
               s->patient + 1, s->day, s->seq, ids.patient, is_request ? "request" : "complaint",
               is_request ? priority_names[s->role & 3] : "minor", ids.when, ids.when, category,
               is_request ? "request" : "report", is_request ? "ServiceRequest" : "Communication",
               ids.resource);
    buf_append_json_string(b, text, strlen(text));
    buf_puts(b, "}\n");
}
