/* The icope-step1 Questionnaire: its items (shared with the validator) and its FHIR R4 JSON.
 *
 * The questions follow the WHO ICOPE step 1 screening tool (ICOPE Handbook, WHO 2019),
 * worded by Vigie in French for the professionals who run the screening, with English in
 * the standard translation extension (http://hl7.org/fhir/StructureDefinition/translation)
 * on each text. The linkIds are a contract: never rename one; add items instead and bump
 * the version. */
#include "frailty/frailty_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRANSLATION_EXTENSION "http://hl7.org/fhir/StructureDefinition/translation"
#define MIN_VALUE_EXTENSION   "http://hl7.org/fhir/StructureDefinition/minValue"
#define MAX_VALUE_EXTENSION   "http://hl7.org/fhir/StructureDefinition/maxValue"
#define UNIT_EXTENSION        "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
#define UCUM_SYSTEM           "http://unitsofmeasure.org"
/* Date of this version of the Questionnaire (changes with FRAILTY_QUESTIONNAIRE_VERSION). */
#define QUESTIONNAIRE_DATE "2026-11-23"

#define GROUP(index, id, fr, en)                                                                   \
    [index] = {id, index, FRAILTY_ITEM_GROUP, true, 0, 0, NULL, Q_COUNT, fr, en}
#define YES_NO(index, grp, id, fr, en)                                                             \
    [index] = {id, grp, FRAILTY_ITEM_BOOLEAN, true, 0, 0, NULL, Q_COUNT, fr, en}

const struct frailty_item frailty_items[Q_COUNT] = {
    GROUP(Q_COGNITION, "cognition", "Déclin cognitif", "Cognitive decline"),
    [Q_WORDS] = {"cognition.words", Q_COGNITION, FRAILTY_ITEM_DISPLAY, false, 0, 0, NULL, Q_COUNT,
                 "Donnez trois mots à retenir (par exemple : fleur, porte, riz). Ils seront "
                 "redemandés après les deux questions d'orientation.",
                 "Give three words to remember (for example: flower, door, rice). They are "
                 "asked again after the two orientation questions."},
    YES_NO(Q_ORIENTATION_TIME, Q_COGNITION, "cognition.orientation-time",
           "Orientation dans le temps : la personne donne-t-elle la date complète exacte (jour, "
           "mois, année) ? Non si elle se trompe ou ne sait pas.",
           "Orientation in time: does the person give the full date correctly (day, month, "
           "year)? No if wrong or does not know."),
    YES_NO(Q_ORIENTATION_PLACE, Q_COGNITION, "cognition.orientation-place",
           "Orientation dans l'espace : la personne sait-elle où elle se trouve (domicile, "
           "cabinet, EHPAD...) ? Non si elle se trompe ou ne sait pas.",
           "Orientation in space: does the person know where they are now (home, practice, "
           "care home...)? No if wrong or does not know."),
    [Q_RECALL] = {"cognition.recall", Q_COGNITION, FRAILTY_ITEM_INTEGER, true, 0, 3, NULL, Q_COUNT,
                  "Nombre de mots rappelés parmi les trois (0 à 3)",
                  "Number of the three words recalled (0 to 3)"},
    GROUP(Q_MOBILITY, "mobility", "Mobilité réduite", "Limited mobility"),
    YES_NO(Q_CHAIR_RISE_COMPLETED, Q_MOBILITY, "mobility.chair-rise-completed",
           "Lever de chaise : la personne s'est-elle levée cinq fois de suite d'une chaise sans "
           "s'aider des bras ?",
           "Chair rise: did the person rise from a chair five times in a row without using "
           "their arms?"),
    [Q_CHAIR_RISE_SECONDS] = {"mobility.chair-rise-seconds", Q_MOBILITY, FRAILTY_ITEM_DECIMAL, true,
                              1, 300, "s", Q_CHAIR_RISE_COMPLETED,
                              "Durée des cinq levers de chaise, en secondes",
                              "Time taken for the five chair rises, in seconds"},
    GROUP(Q_NUTRITION, "nutrition", "Dénutrition", "Malnutrition"),
    YES_NO(Q_WEIGHT_LOSS, Q_NUTRITION, "nutrition.weight-loss",
           "Avez-vous perdu plus de 3 kg sans le vouloir au cours des trois derniers mois ?",
           "Have you unintentionally lost more than 3 kg over the last three months?"),
    [Q_WEIGHT_LOSS_KG] = {"nutrition.weight-loss-kg", Q_NUTRITION, FRAILTY_ITEM_DECIMAL, false, 0,
                          50, "kg", Q_COUNT,
                          "Si elle est connue : perte de poids involontaire sur trois mois, en kg",
                          "If known: unintentional weight loss over three months, in kg"},
    YES_NO(Q_APPETITE_LOSS, Q_NUTRITION, "nutrition.appetite-loss", "Avez-vous perdu l'appétit ?",
           "Have you experienced loss of appetite?"),
    GROUP(Q_VISION, "vision", "Troubles de la vision", "Visual impairment"),
    YES_NO(Q_EYE_PROBLEMS, Q_VISION, "vision.eye-problems",
           "Avez-vous des problèmes avec vos yeux : difficultés à voir de loin, à lire, maladie "
           "des yeux, ou traitement médical en cours (diabète, hypertension artérielle...) ?",
           "Do you have any problems with your eyes: difficulty seeing far or reading, eye "
           "disease, or current medical treatment (e.g. diabetes, high blood pressure)?"),
    GROUP(Q_HEARING, "hearing", "Perte auditive", "Hearing loss"),
    YES_NO(Q_WHISPER_RIGHT, Q_HEARING, "hearing.whisper-right",
           "Test du chuchotement, oreille droite : la personne répète-t-elle les mots chuchotés "
           "?",
           "Whisper test, right ear: does the person repeat the whispered words?"),
    YES_NO(Q_WHISPER_LEFT, Q_HEARING, "hearing.whisper-left",
           "Test du chuchotement, oreille gauche : la personne répète-t-elle les mots chuchotés "
           "?",
           "Whisper test, left ear: does the person repeat the whispered words?"),
    GROUP(Q_MOOD, "mood", "Symptômes dépressifs", "Depressive symptoms"),
    YES_NO(Q_FEELING_DOWN, Q_MOOD, "mood.feeling-down",
           "Au cours des deux dernières semaines, avez-vous été gêné(e) par un sentiment de "
           "tristesse, de déprime ou de désespoir ?",
           "Over the past two weeks, have you been bothered by feeling down, depressed or "
           "hopeless?"),
    YES_NO(Q_LITTLE_INTEREST, Q_MOOD, "mood.little-interest",
           "Au cours des deux dernières semaines, avez-vous été gêné(e) par peu d'intérêt ou de "
           "plaisir à faire les choses ?",
           "Over the past two weeks, have you been bothered by little interest or pleasure in "
           "doing things?"),
};

static const enum frailty_item_index domain_groups[FRAILTY_DOMAIN_COUNT] = {
    [FRAILTY_COGNITION] = Q_COGNITION, [FRAILTY_MOBILITY] = Q_MOBILITY,
    [FRAILTY_NUTRITION] = Q_NUTRITION, [FRAILTY_VISION] = Q_VISION,
    [FRAILTY_HEARING] = Q_HEARING,     [FRAILTY_MOOD] = Q_MOOD,
};

const char *frailty_domain_name(enum frailty_domain domain)
{
    if ((unsigned)domain >= FRAILTY_DOMAIN_COUNT) return "unknown";
    return frailty_items[domain_groups[domain]].link_id;
}

enum frailty_item_index frailty_item_find(const char *link_id)
{
    for (int i = 0; i < Q_COUNT; i++)
        if (!strcmp(frailty_items[i].link_id, link_id)) return (enum frailty_item_index)i;
    return Q_COUNT;
}

void frailty_format_number(double value, char out[32])
{
    snprintf(out, 32, "%.2f", value);
    char *dot = strchr(out, '.');
    if (!dot) return;
    char *end = out + strlen(out) - 1;
    while (end > dot && *end == '0') *end-- = '\0';
    if (end == dot) *end = '\0';
}

/* Sets obj[key] to the French text and obj["_key"] to its English translation. */
static void set_translated(json_t *obj, const char *key, const char *fr, const char *en)
{
    char underscored[64];
    snprintf(underscored, sizeof underscored, "_%s", key);
    json_object_set_new(obj, key, json_string(fr));
    json_object_set_new(obj, underscored,
                        json_pack("{s:[{s:s,s:[{s:s,s:s},{s:s,s:s}]}]}", "extension", "url",
                                  TRANSLATION_EXTENSION, "extension", "url", "lang", "valueCode",
                                  "en", "url", "content", "valueString", en));
}

static json_t *number_value(const struct frailty_item *item, double v)
{
    return item->type == FRAILTY_ITEM_INTEGER ? json_integer((json_int_t)v) : json_real(v);
}

static const char *type_name(enum frailty_item_type type)
{
    switch (type) {
    case FRAILTY_ITEM_GROUP:
        return "group";
    case FRAILTY_ITEM_DISPLAY:
        return "display";
    case FRAILTY_ITEM_BOOLEAN:
        return "boolean";
    case FRAILTY_ITEM_INTEGER:
        return "integer";
    default:
        return "decimal";
    }
}

static json_t *item_json(enum frailty_item_index index)
{
    const struct frailty_item *item = &frailty_items[index];
    json_t *j = json_object();
    json_object_set_new(j, "linkId", json_string(item->link_id));
    set_translated(j, "text", item->text_fr, item->text_en);
    json_object_set_new(j, "type", json_string(type_name(item->type)));
    if (item->enable_when != Q_COUNT)
        json_object_set_new(j, "enableWhen",
                            json_pack("[{s:s,s:s,s:b}]", "question",
                                      frailty_items[item->enable_when].link_id, "operator", "=",
                                      "answerBoolean", 1));
    if (item->type != FRAILTY_ITEM_DISPLAY)
        json_object_set_new(j, "required", json_boolean(item->required));
    if (item->type == FRAILTY_ITEM_INTEGER || item->type == FRAILTY_ITEM_DECIMAL) {
        const char *suffix = item->type == FRAILTY_ITEM_INTEGER ? "valueInteger" : "valueDecimal";
        json_t *ext = json_array();
        json_array_append_new(ext, json_pack("{s:s,s:o}", "url", MIN_VALUE_EXTENSION, suffix,
                                             number_value(item, item->min_value)));
        json_array_append_new(ext, json_pack("{s:s,s:o}", "url", MAX_VALUE_EXTENSION, suffix,
                                             number_value(item, item->max_value)));
        if (item->unit)
            json_array_append_new(ext, json_pack("{s:s,s:{s:s,s:s,s:s}}", "url", UNIT_EXTENSION,
                                                 "valueCoding", "system", UCUM_SYSTEM, "code",
                                                 item->unit, "display", item->unit));
        json_object_set_new(j, "extension", ext);
    }
    if (item->type == FRAILTY_ITEM_GROUP) {
        json_t *children = json_array();
        for (int i = 0; i < Q_COUNT; i++)
            if (i != (int)index && frailty_items[i].group == index)
                json_array_append_new(children, item_json((enum frailty_item_index)i));
        json_object_set_new(j, "item", children);
    }
    return j;
}

int frailty_questionnaire_write(buf *out)
{
    json_t *q = json_object();
    json_object_set_new(q, "resourceType", json_string("Questionnaire"));
    json_object_set_new(q, "id", json_string(FRAILTY_QUESTIONNAIRE_ID));
    json_object_set_new(q, "language", json_string("fr"));
    json_object_set_new(q, "url", json_string(FRAILTY_QUESTIONNAIRE_URL));
    json_object_set_new(q, "version", json_string(FRAILTY_QUESTIONNAIRE_VERSION));
    json_object_set_new(q, "name", json_string("IcopeStep1"));
    set_translated(q, "title", "ICOPE étape 1 : repérage des déclins de capacité intrinsèque",
                   "ICOPE step 1: screening for declines in intrinsic capacity");
    json_object_set_new(q, "status", json_string("active"));
    json_object_set_new(q, "experimental", json_false());
    json_object_set_new(q, "subjectType", json_pack("[s]", "Patient"));
    json_object_set_new(q, "date", json_string(QUESTIONNAIRE_DATE));
    json_object_set_new(q, "publisher", json_string("Vigie"));
    set_translated(q, "description",
                   "Repérage en six domaines (cognition, mobilité, nutrition, vision, audition, "
                   "humeur) chez les personnes de 60 ans et plus, d'après l'outil de l'étape 1 du "
                   "programme ICOPE de l'OMS (2019). Un domaine positif appelle l'évaluation de "
                   "l'étape 2.",
                   "Six-domain screening (cognition, mobility, nutrition, vision, hearing, mood) "
                   "for people aged 60 and over, after the step 1 tool of the WHO ICOPE "
                   "programme (2019). A positive domain calls for the step 2 assessment.");
    json_t *items = json_array();
    for (int i = 0; i < Q_COUNT; i++)
        if (frailty_items[i].type == FRAILTY_ITEM_GROUP)
            json_array_append_new(items, item_json((enum frailty_item_index)i));
    json_object_set_new(q, "item", items);

    char *text = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    if (!text) return -1;
    int rc = buf_puts(out, text);
    free(text);
    return rc;
}
