/* Reports and requests: the French and English lexicon with accents, case and negation
 * handled, the matched words in the reason, and the priority of requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "triage_test.h"

/* Category a report alone raises (0: nothing); its reason in `reason` when given. */
static int report_category(const char *text, char *reason, size_t size)
{
    struct world *w = world_new();
    report(w, 0, text, T0);
    int c = last_category(w, TRIAGE_RULE_REPORT);
    if (reason && c) snprintf(reason, size, "%s", last_of(w, TRIAGE_RULE_REPORT)->reason);
    world_free(w);
    return c;
}

static void expect_category(const char *text, int category)
{
    char reason[2048] = "";
    int got = report_category(text, reason, sizeof reason);
    if (got != category)
        fail_msg("\"%s\" raised category %d, expected %d (%s)", text, got, category, reason);
}

static void negated_complaints_raise_nothing(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "pas de douleur thoracique",
        "sans fièvre",
        "denies chest pain",
        "PAS DE DOULEUR THORACIQUE",
        "Pas de douleur thoracique ni d'essoufflement.",
        "No chest pain or shortness of breath.",
        "Il n'a plus de fièvre",
        "Douleur thoracique : non",
        "chest pain denied",
        "Elle ne tousse pas",
        "pain-free today",
        "Absence de fièvre, aucune douleur",
        "fièvre absente",
        "Pas mal ce matin, tout va bien",
        "Prise de sang faite ce matin",
        "Il a mangé du pain au petit déjeuner",
        "He fell asleep in his chair",
        "Patient without fever, no cough",
        "Tout va bien, RAS",
        "Elle a bon appétit, les chevilles ne sont pas gonflées.",
        "Pas de démangeaison depuis le changement de savon",
        "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) expect_category(texts[i], 0);
}

static void complaints_raise_with_their_words(void **state)
{
    (void)state;
    char reason[2048];
    assert_int_equal(report_category("douleur thoracique depuis ce matin", reason, sizeof reason),
                     1);
    assert_non_null(strstr(reason, "report from caregiver: chest pain \"douleur thoracique\""));
    assert_int_equal(report_category("Elle est très ESSOUFFLÉE, et a une douleur thoracique",
                                     reason, sizeof reason),
                     1);
    assert_non_null(strstr(reason, "chest pain \"douleur thoracique\", breathlessness "
                                   "\"ESSOUFFLÉE\""));
    expect_category("Douleur Thoracique", 1);
    expect_category("pas de fièvre mais douleur thoracique", 1);
    expect_category("pas de fièvre, douleur thoracique depuis ce matin", 1);
    expect_category("pas de fièvre et douleur thoracique", 1);
    expect_category("no fever chest pain since this morning", 1);
    expect_category("No fever but short of breath", 2);
    expect_category("Il ne respire plus !", 1);
    expect_category("Il n'arrive pas à respirer", 1);
    expect_category("je ne peux pas respirer", 1);
    expect_category("Pas de réponse au téléphone depuis hier", 1);
    expect_category("Appel sans réponse", 1);
    expect_category("de plus en plus essoufflé", 2);
    expect_category("She denies chest pain, but is confused", 2);
    expect_category("Il est tombé dans la salle de bain", 2);
    expect_category("Il est tombé, il ne peut pas se relever", 1);
    expect_category("Fatiguée aujourd’hui", 3);
    expect_category("idées suicidaires", 1);
    expect_category("weakness on one side of the face", 1);
    expect_category("Il ne tousse pas mais il est fatigué", 3);
    expect_category("Légère toux, pas de fièvre", 3);
    expect_category("vomit du sang", 1);
    expect_category("a vomi ce matin", 3);
    expect_category("mal à la poitrine", 1);
    expect_category("il a du mal à respirer", 2);
    expect_category("œdème des chevilles", 3);
    /* Minor complaints in the words families use ("other complaints", category 3). */
    expect_category("Il trouve que ses chaussures serrent un peu le soir.", 3);
    expect_category("Elle a moins d'appétit que d'habitude cette semaine.", 3);
    expect_category("Il a des démangeaisons sur les bras depuis le nouveau savon.", 3);
    expect_category("Constipation depuis trois jours", 3);
    expect_category("Elle a un peu le nez qui coule, pas de fièvre.", 3);
    expect_category("Il a très soif et urine beaucoup depuis hier.", 3);
    expect_category("Il a la tête lourde", 3);
    expect_category("itchy rash on both arms", 3);
}

static void folding_survives_odd_text(void **state)
{
    (void)state;
    /* Invalid UTF-8, control characters and characters outside Latin-1 are word breaks or
     * words of their own; nothing crashes and the French still reads. */
    expect_category("\xff\xfe douleur\x01thoracique \xe2\x82", 1);
    expect_category("Ζάλη και douleur thoracique", 1);
    expect_category("«douleur thoracique»", 1);
    size_t n = 70 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big + 10, " essoufflée ", 13);
    big[n] = '\0';
    expect_category(big, 2);
    free(big);
}

static int request_category(enum fhir_priority priority, const char *text, char *reason,
                            size_t size)
{
    struct world *w = world_new();
    request(w, 0, priority, text, T0);
    const struct triage_event *ev = last_of(w, TRIAGE_RULE_REQUEST);
    int c = ev ? ev->category : 0;
    if (reason && ev) snprintf(reason, size, "%s", ev->reason);
    world_free(w);
    return c;
}

static void requests_by_priority_raised_by_red_flags(void **state)
{
    (void)state;
    char reason[2048];
    assert_int_equal(request_category(PRIORITY_STAT, "avis", NULL, 0), 1);
    assert_int_equal(request_category(PRIORITY_ASAP, "avis", NULL, 0), 2);
    assert_int_equal(request_category(PRIORITY_URGENT, "avis", NULL, 0), 2);
    assert_int_equal(request_category(PRIORITY_ROUTINE, "avis sur traitement", reason,
                                      sizeof reason),
                     3);
    assert_string_equal(reason, "tele-expertise request, priority routine");
    assert_int_equal(request_category(PRIORITY_ROUTINE, "Douleur thoracique atypique ?", reason,
                                      sizeof reason),
                     1);
    assert_non_null(strstr(reason, "raised to category 1 by chest pain \"Douleur thoracique\""));
    assert_int_equal(request_category(PRIORITY_URGENT, "patiente fatiguée", reason,
                                      sizeof reason),
                     2);
    assert_non_null(strstr(reason, "mentions fatigue \"fatiguée\""));
    assert_int_equal(request_category(PRIORITY_ROUTINE, "pas de douleur thoracique", NULL, 0),
                     3);
    assert_int_equal(request_category(PRIORITY_STAT, "fatigue", NULL, 0), 1);
    /* A fall assessment is not a fall; a fall told in other words still raises. */
    assert_int_equal(request_category(PRIORITY_ROUTINE,
                                      "Bilan de chute : avis sur la réévaluation des "
                                      "traitements sédatifs",
                                      NULL, 0),
                     3);
    assert_int_equal(request_category(PRIORITY_ROUTINE, "Bilan de chute, il est tombé hier",
                                      NULL, 0),
                     2);
}

static void duplicate_report_is_dropped(void **state)
{
    (void)state;
    struct world *w = world_new();
    assert_int_equal(report(w, 0, "douleur thoracique", T0), TRIAGE_USED);
    assert_int_equal(report(w, 0, "douleur thoracique", T0), TRIAGE_DUPLICATE);
    assert_int_equal(w->got.count, 1);
    /* The same words later are a new report (attached silently within the hour). */
    assert_int_equal(report(w, 0, "douleur thoracique", T0 + 10 * MINUTE), TRIAGE_USED);
    assert_int_equal(w->got.count, 2);
    assert_false(last_event(w)->notify);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(negated_complaints_raise_nothing),
        cmocka_unit_test(complaints_raise_with_their_words),
        cmocka_unit_test(folding_survives_odd_text),
        cmocka_unit_test(requests_by_priority_raised_by_red_flags),
        cmocka_unit_test(duplicate_report_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
