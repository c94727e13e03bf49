/* Reports (Communication) and requests (ServiceRequest): the text is folded (case, accents,
 * apostrophes), cut into words and clauses, and matched against the red-flag lexicon
 * (lexicon.c) with negation handled: "pas de douleur thoracique", "sans fièvre" and "denies
 * chest pain" raise nothing, "douleur thoracique depuis ce matin" raises category 1. The
 * words that matched are quoted in the reason. */
#include "triage/triage_int.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_MAX (64 * 1024) /* the FHIR layer refuses longer texts */
#define NEGATION_SCOPE 5     /* words a negation reaches past its cue */
#define MAX_HITS 32
#define QUOTE_MAX 80
#define LISTED_MAX 6

enum { TAG_REPORT = 1, TAG_REQUEST = 2 };

static int bucket(unsigned char c)
{
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '0' && c <= '9') return 26 + (c - '0');
    return -1;
}

void reports_init(triage_engine *e)
{
    /* Phrases grouped by first character, in table order, so a word is compared only with
     * the phrases that can start with it. */
    uint16_t counts[36] = {0};
    for (size_t i = 0; i < lexicon_phrase_count; i++)
        counts[bucket((unsigned char)lexicon_phrases[i].words[0])]++;
    e->phrase_first[0] = 0;
    for (int b = 0; b < 36; b++) e->phrase_first[b + 1] = (uint16_t)(e->phrase_first[b] + counts[b]);
    e->phrase_order = xmalloc(lexicon_phrase_count * sizeof *e->phrase_order);
    uint16_t fill[36];
    memcpy(fill, e->phrase_first, sizeof fill);
    for (size_t i = 0; i < lexicon_phrase_count; i++)
        e->phrase_order[fill[bucket((unsigned char)lexicon_phrases[i].words[0])]++] = (uint16_t)i;
}

void reports_free(triage_engine *e)
{
    free(e->phrase_order);
    free(e->folded);
    free(e->tokens);
}

/* ---- Folding and words ------------------------------------------------------------------ */

enum char_class { CHAR_WORD, CHAR_SPACE, CHAR_STOP };

/* Latin-1 letters U+00C0..U+00FF without their accents; NULL for × and ÷. */
static const char *const latin1_folded[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Reads one UTF-8 character at s (n bytes left): its class, and for a word character the
 * folded bytes. Returns the bytes consumed. Characters outside Latin-1 stay as they are. */
static size_t fold_char(const unsigned char *s, size_t n, char out[4], size_t *out_len,
                        enum char_class *cls)
{
    unsigned char c = s[0];
    *out_len = 0;
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out[0] = (char)c;
            *out_len = 1;
            *cls = CHAR_WORD;
        } else if (c >= 'A' && c <= 'Z') {
            out[0] = (char)(c - 'A' + 'a');
            *out_len = 1;
            *cls = CHAR_WORD;
        } else {
            *cls = strchr(".,;:!?()[]\n\r", c) && c ? CHAR_STOP : CHAR_SPACE;
            out[0] = (char)c;
        }
        return 1;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n) {
        *cls = CHAR_SPACE; /* not UTF-8: a word boundary */
        return 1;
    }
    uint32_t cp = c & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cls = CHAR_SPACE;
            return 1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    const char *folded = NULL;
    if (cp >= 0xC0 && cp <= 0xFF) {
        folded = latin1_folded[cp - 0xC0];
        if (!folded) {
            *cls = CHAR_SPACE;
            return len;
        }
    } else if (cp == 0x152 || cp == 0x153) {
        folded = "oe";
    } else if (cp == 0x2026) { /* ellipsis */
        *cls = CHAR_STOP;
        out[0] = '.';
        return len;
    } else if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x206F)) {
        *cls = CHAR_SPACE; /* no-break spaces, guillemets, typographic apostrophes, dashes */
        return len;
    }
    *cls = CHAR_WORD;
    if (folded) {
        *out_len = strlen(folded);
        memcpy(out, folded, *out_len);
    } else {
        memcpy(out, s, len);
        *out_len = len;
    }
    return len;
}

/* Cuts text into folded words and clause stops in the engine's scratch arrays. */
static size_t tokenize(triage_engine *e, const char *text, size_t n)
{
    if (n > TEXT_MAX) n = TEXT_MAX;
    if (e->folded_capacity < n + 1) {
        e->folded_capacity = n + 1;
        e->folded = xrealloc(e->folded, e->folded_capacity);
    }
    if (e->token_capacity < n + 1) {
        e->token_capacity = n + 1;
        e->tokens = xrealloc(e->tokens, e->token_capacity * sizeof *e->tokens);
    }
    size_t count = 0, folded_len = 0;
    bool in_word = false;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        char out[4];
        size_t out_len;
        enum char_class cls;
        size_t used = fold_char(s + i, n - i, out, &out_len, &cls);
        if (cls == CHAR_WORD) {
            if (!in_word) {
                e->tokens[count] = (struct text_token){(uint32_t)folded_len, 0, (uint32_t)i,
                                                       (uint32_t)i, false, 0};
                count++;
                in_word = true;
            }
            memcpy(e->folded + folded_len, out, out_len);
            folded_len += out_len;
            e->tokens[count - 1].norm_len += (uint32_t)out_len;
            e->tokens[count - 1].src_end = (uint32_t)(i + used);
        } else {
            in_word = false;
            if (cls == CHAR_STOP)
                e->tokens[count++] =
                    (struct text_token){(uint32_t)folded_len, 0, (uint32_t)i,
                                        (uint32_t)(i + used), true, out[0]};
        }
        i += used;
    }
    return count;
}

static bool token_is(const triage_engine *e, const struct text_token *t, const char *word)
{
    size_t n = strlen(word);
    return !t->stop && t->norm_len == n && memcmp(e->folded + t->norm_start, word, n) == 0;
}

static bool token_in(const triage_engine *e, const struct text_token *t,
                     const char *const *words)
{
    for (; *words; words++)
        if (token_is(e, t, *words)) return true;
    return false;
}

/* Tokens phrase `words` matches from token i, or 0. */
static size_t phrase_match(const triage_engine *e, const char *words, size_t i, size_t count)
{
    size_t k = i;
    for (const char *p = words; *p;) {
        const char *end = strchr(p, ' ');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (k >= count || e->tokens[k].stop) return 0;
        const char *w = e->folded + e->tokens[k].norm_start;
        size_t wlen = e->tokens[k].norm_len;
        bool ok;
        if (plen == 1 && p[0] == '*')
            ok = true;
        else if (p[plen - 1] == '*')
            ok = wlen >= plen - 1 && memcmp(w, p, plen - 1) == 0;
        else
            ok = wlen == plen && memcmp(w, p, plen) == 0;
        if (!ok) return 0;
        k++;
        p += plen;
        if (*p == ' ') p++;
    }
    return k - i;
}

/* The longest phrase starting at token i: its length in tokens (0: none) and concept. */
static size_t longest_match(const triage_engine *e, size_t i, size_t count, int *concept)
{
    const struct text_token *t = &e->tokens[i];
    if (t->stop || t->norm_len == 0) return 0;
    int b = bucket((unsigned char)e->folded[t->norm_start]);
    if (b < 0) return 0;
    size_t best = 0;
    for (unsigned j = e->phrase_first[b]; j < e->phrase_first[b + 1]; j++) {
        const struct lexicon_phrase *ph = &lexicon_phrases[e->phrase_order[j]];
        size_t len = phrase_match(e, ph->words, i, count);
        if (len > best) {
            best = len;
            *concept = ph->concept;
        }
    }
    return best;
}

/* ---- Negation ------------------------------------------------------------------------------ */

static bool is_ne(const triage_engine *e, size_t i)
{
    return token_is(e, &e->tokens[i], "ne") || token_is(e, &e->tokens[i], "n");
}

/* French "ne" (or "n'") among the three words before token i, within the clause. */
static bool ne_before(const triage_engine *e, size_t i)
{
    for (size_t back = 1; back <= 3 && back <= i; back++) {
        if (e->tokens[i - back].stop) return false;
        if (is_ne(e, i - back)) return true;
    }
    return false;
}

/* A negation right after the complaint at tokens [start, end): "il ne tousse pas", "chest
 * pain: none", "pain-free". Returns the index just past the negation word, or 0. */
static size_t negated_after(const triage_engine *e, size_t start, size_t end, size_t count)
{
    static const char *const ne_pair[] = {"pas", "plus", "jamais", "point", NULL};
    if (end < count && ne_before(e, start) && token_in(e, &e->tokens[end], ne_pair))
        return end + 1;
    size_t j = end;
    if (j < count && e->tokens[j].stop && e->tokens[j].stop_char == ':') j++;
    if (j >= count) return 0;
    if (token_in(e, &e->tokens[j], lexicon_negation_after)) return j + 1;
    bool closes = j + 1 == count || e->tokens[j + 1].stop ||
                  token_in(e, &e->tokens[j + 1], lexicon_scope_breakers);
    if (closes && token_in(e, &e->tokens[j], lexicon_negation_answers)) return j + 1;
    return 0;
}

struct hit {
    uint8_t concept;
    bool negated;
    uint32_t first, end; /* tokens [first, end) */
};

struct scan {
    struct hit hits[MAX_HITS];
    size_t count;
    int best;       /* most urgent category asserted (1..3), 0 when none */
    int bp_concept; /* most urgent asserted red flag of hypertensive emergency, or -1 */
};

static void add_hit(struct scan *sc, int concept, bool negated, size_t first, size_t end)
{
    const struct lexicon_concept *c = &lexicon_concepts[concept];
    if (!negated) {
        if (!sc->best || c->category < sc->best) sc->best = c->category;
        if (c->bp_red_flag &&
            (sc->bp_concept < 0 || c->category < lexicon_concepts[sc->bp_concept].category))
            sc->bp_concept = concept;
    }
    if (sc->count < MAX_HITS)
        sc->hits[sc->count++] = (struct hit){(uint8_t)concept, negated, (uint32_t)first,
                                             (uint32_t)end};
}

/* Finds the lexicon's complaints in text, each asserted or negated.
 *
 * A negation cue ("pas", "sans", "no", "denies"...) covers the next NEGATION_SCOPE words of
 * its clause. It negates the first complaint it reaches; a further complaint is negated only
 * when a list joiner ("ni", "ou", "or", "nor") comes between ("no chest pain or shortness of
 * breath"), otherwise it is asserted ("no fever chest pain" raises chest pain: errs towards
 * raising). Punctuation and words such as "mais", "but", "et", "and" end the negation. */
static void scan_text(triage_engine *e, const char *text, size_t n, struct scan *sc)
{
    sc->count = 0;
    sc->best = 0;
    sc->bp_concept = -1;
    size_t count = tokenize(e, text, n);
    int scope = 0;
    bool negated_one = false, joined = false;
    size_t inside_until = 0, last_end = 0;
    int last_category = 0;
    for (size_t i = 0; i < count; i++) {
        const struct text_token *t = &e->tokens[i];
        if (t->stop) {
            scope = 0;
            continue;
        }
        int concept = 0;
        size_t len = longest_match(e, i, count, &concept);
        if (len && lexicon_concepts[concept].category == 0) { /* hidden words */
            i += len - 1;
            if (i + 1 > inside_until) inside_until = i + 1;
            continue;
        }
        if (len) {
            int category = lexicon_concepts[concept].category;
            /* "pain" inside "chest pain" is the same complaint, not another one. */
            bool contained = i + len <= last_end && category >= last_category;
            if (!contained) {
                bool negated = false;
                if (scope > 0 && (!negated_one || joined)) {
                    negated = true;
                    negated_one = true;
                    joined = false;
                    scope = NEGATION_SCOPE;
                } else {
                    scope = 0;
                }
                if (!negated) {
                    size_t past = negated_after(e, i, i + len, count);
                    if (past) {
                        negated = true;
                        if (past > inside_until) inside_until = past;
                    }
                }
                add_hit(sc, concept, negated, i, i + len);
                last_end = i + len;
                last_category = category;
            }
            if (i + len > inside_until) inside_until = i + len;
            continue;
        }
        if (i < inside_until) continue; /* a word of a phrase already read */
        if (token_in(e, t, lexicon_scope_breakers)) {
            scope = 0;
        } else if (scope > 0 && token_in(e, t, lexicon_list_joiners)) {
            joined = true;
            scope = NEGATION_SCOPE;
        } else if (token_in(e, t, lexicon_negation_before) ||
                   (token_is(e, t, "plus") && ne_before(e, i))) {
            scope = NEGATION_SCOPE;
            negated_one = false;
            joined = false;
        } else if (scope > 0) {
            scope--;
        }
    }
}

/* "chest pain "douleur thoracique", breathlessness "essoufflée"": asserted complaints, most
 * urgent first, each concept once, quoting the first words that matched. */
static void describe_hits(triage_engine *e, const char *text, const struct scan *sc,
                          int max_category)
{
    bool listed[256] = {false}; /* by concept */
    int shown = 0;
    for (int category = 1; category <= max_category; category++) {
        for (size_t i = 0; i < sc->count && shown < LISTED_MAX; i++) {
            const struct hit *h = &sc->hits[i];
            if (h->negated || listed[h->concept] ||
                lexicon_concepts[h->concept].category != category)
                continue;
            listed[h->concept] = true;
            uint32_t from = e->tokens[h->first].src_start, to = e->tokens[h->end - 1].src_end;
            reason_printf(e, "%s%s ", shown ? ", " : "", lexicon_concepts[h->concept].label);
            reason_quote(e, text + from, to - from, QUOTE_MAX);
            shown++;
        }
    }
}

/* ---- Rules ------------------------------------------------------------------------------- */

/* Entry checks shared by reports and requests, then the scan of their text. Returns the
 * patient's state, or NULL with *rc the outcome to return. */
static struct patient *read_text_signal(triage_engine *e, uint32_t patient, int tag,
                                        const char *text, size_t n, int64_t at_ms,
                                        int64_t now_ms, const struct triage_sink *sink,
                                        struct scan *sc, int *rc)
{
    struct patient *ps =
        text_signal_begin(e, patient, tag, text, n, at_ms, now_ms, sink, rc);
    if (ps) scan_text(e, text ? text : "", text ? n : 0, sc);
    return ps;
}

int triage_report(triage_engine *e, uint32_t patient, const struct triage_report *r,
                  int64_t now_ms, const struct triage_sink *sink)
{
    int rc;
    struct scan sc;
    struct patient *ps = read_text_signal(e, patient, TAG_REPORT, r->text, r->text_len, r->at_ms,
                                          now_ms, sink, &sc, &rc);
    if (!ps) return rc;
    if (!sc.best) return TRIAGE_USED; /* nothing of concern, or only negated complaints */

    struct triage_event ev;
    event_begin(e, &ev, patient, TRIAGE_RULE_REPORT, sc.best, TRIAGE_ACUTE, r->at_ms, now_ms,
                true);
    if (r->sender == SENDER_UNKNOWN)
        reason_printf(e, "report: ");
    else
        reason_printf(e, "report from %s: ", fhir_sender_role_name(r->sender));
    describe_hits(e, r->text, &sc, 3);
    event_add_source(&ev, r->source);
    event_fire(e, ps, &ev, sink);
    if (sc.bp_concept >= 0)
        bp_red_flag_report(e, patient, ps, r->at_ms, r->source, sc.bp_concept, now_ms, sink);
    return TRIAGE_USED;
}

int triage_request(triage_engine *e, uint32_t patient, const struct triage_request *r,
                   int64_t now_ms, const struct triage_sink *sink)
{
    int rc;
    struct scan sc;
    struct patient *ps = read_text_signal(e, patient, TAG_REQUEST, r->text, r->text_len,
                                          r->at_ms, now_ms, sink, &sc, &rc);
    if (!ps) return rc;

    static const int by_priority[] = {[PRIORITY_ROUTINE] = 3, [PRIORITY_URGENT] = 2,
                                      [PRIORITY_ASAP] = 2, [PRIORITY_STAT] = 1};
    int category = (unsigned)r->priority <= PRIORITY_STAT ? by_priority[r->priority] : 3;
    /* Red flags (categories 1 and 2) raise the request; other complaints do not lower it. */
    bool raised = sc.best && sc.best <= 2 && sc.best < category;
    if (raised) category = sc.best;

    struct triage_event ev;
    event_begin(e, &ev, patient, TRIAGE_RULE_REQUEST, category, TRIAGE_ACUTE, r->at_ms, now_ms,
                true);
    reason_printf(e, "tele-expertise request, priority %s", fhir_priority_name(r->priority));
    if (raised) {
        reason_printf(e, "; raised to category %d by ", category);
        describe_hits(e, r->text, &sc, 2);
    } else if (sc.best) {
        reason_printf(e, "; mentions ");
        describe_hits(e, r->text, &sc, 3);
    }
    event_add_source(&ev, r->source);
    event_fire(e, ps, &ev, sink);
    if (sc.bp_concept >= 0)
        bp_red_flag_report(e, patient, ps, r->at_ms, r->source, sc.bp_concept, now_ms, sink);
    return TRIAGE_USED;
}
