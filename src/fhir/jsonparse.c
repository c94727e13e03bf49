/* A strict JSON parser (RFC 8259) that builds jansson values directly. jansson's own parser
 * reads its input a character at a time through a stream abstraction and costs about 200
 * instructions per byte, most of an Observation's cost on the receiving side; this one walks
 * the bytes with pointers (about a quarter of jansson's total, the rest being the tree it
 * builds) and accepts exactly what json_loadb(JSON_REJECT_DUPLICATES) accepts, with a depth
 * limit checked while parsing. tests/unit/fhir/test_json.c and the fuzz target fuzz_json
 * compare the two on every input they try.
 *
 * Accepted as jansson does: an object or an array at the top, nothing but white space after
 * it; strings of valid UTF-8 without control characters, escapes decoded, surrogate pairs
 * joined, \u0000 refused (jansson refuses it without JSON_ALLOW_NUL); integers that fit a
 * json_int_t, others refused; reals through strtod, overflow refused, underflow kept. */
#include "fhir/fhir.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(json_int_t) == sizeof(long long), "json_int_t is a long long");

struct parser {
    const unsigned char *p, *end, *start;
    int depth, max_depth;
    struct fhir_json_error *err;
    const unsigned char *err_at;
    char *scratch; /* decoded strings with escapes */
    size_t scratch_cap;
    char inline_scratch[256];
};

__attribute__((format(printf, 4, 5))) static void fail(struct parser *ps,
                                                       const unsigned char *at,
                                                       enum fhir_json_error_kind kind,
                                                       const char *fmt, ...)
{
    if (ps->err_at) return; /* the first error wins */
    ps->err_at = at;
    ps->err->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->text, sizeof ps->err->text, fmt, ap);
    va_end(ap);
}

/* What the parser met at `at`, for messages: a few characters or "the end". */
static const char *near(const struct parser *ps, const unsigned char *at, char out[24])
{
    if (at >= ps->end) return "the end of the text";
    size_t n = 0;
    out[n++] = '\'';
    for (const unsigned char *q = at; q < ps->end && n < 12; q++) {
        unsigned char c = *q;
        if (c < 0x20 || c >= 0x7f || c == '\'') break;
        out[n++] = (char)c;
    }
    if (n == 1) {
        snprintf(out, 24, "byte 0x%02x", *at);
        return out;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return out;
}

static inline void skip_ws(struct parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    ps->p = p;
}

/* Length of the valid UTF-8 sequence starting at p (its first byte >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    return n;
}

static bool scratch_reserve(struct parser *ps, size_t need)
{
    if (need <= ps->scratch_cap) return true;
    size_t cap = ps->scratch_cap * 2;
    while (cap < need) cap *= 2;
    char *grown = ps->scratch == ps->inline_scratch ? malloc(cap) : realloc(ps->scratch, cap);
    if (!grown) return false;
    if (ps->scratch == ps->inline_scratch) memcpy(grown, ps->scratch, ps->scratch_cap);
    ps->scratch = grown;
    ps->scratch_cap = cap;
    return true;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the escape at p (after the backslash) into out; returns the bytes written, 0 on
 * error. *p moves past the escape. */
static size_t unescape(struct parser *ps, const unsigned char **pp, char out[4])
{
    const unsigned char *p = *pp, *end = ps->end, *esc = p - 1;
    if (p >= end) {
        fail(ps, p, FHIR_JSON_EOF, "the text ends inside a string");
        return 0;
    }
    unsigned char c = *p++;
    static const char simple[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
    const char *s = c ? strchr(simple, c) : NULL;
    if (s) {
        out[0] = decoded[s - simple];
        *pp = p;
        return 1;
    }
    if (c != 'u') {
        fail(ps, esc, FHIR_JSON_SYNTAX, "invalid escape '\\%c' in a string",
             c >= 0x20 && c < 0x7f ? c : '?');
        return 0;
    }
    int cp = end - p >= 4 ? hex4(p) : -1;
    if (cp < 0) {
        fail(ps, esc, end - p >= 4 ? FHIR_JSON_SYNTAX : FHIR_JSON_EOF,
             "\\u must be followed by four hexadecimal digits");
        return 0;
    }
    p += 4;
    if (cp == 0) {
        fail(ps, esc, FHIR_JSON_SYNTAX, "\\u0000 is not allowed in a string");
        return 0;
    }
    if (cp >= 0xdc00 && cp <= 0xdfff) {
        fail(ps, esc, FHIR_JSON_SYNTAX, "invalid Unicode escape: lone low surrogate \\u%04X", cp);
        return 0;
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
        int low = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
        if (low < 0xdc00 || low > 0xdfff) {
            fail(ps, esc, FHIR_JSON_SYNTAX,
                 "invalid Unicode escape: high surrogate \\u%04X without its low surrogate", cp);
            return 0;
        }
        p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    *pp = p;
    return put_utf8(out, (unsigned)cp);
}

/* Reads the string at ps->p (on its opening quote). On success *out points at its decoded
 * bytes (in the input when it has no escape, else in the scratch buffer) and the parser is
 * past the closing quote. */
static bool parse_string(struct parser *ps, const char **out, size_t *len)
{
    const unsigned char *start = ps->p + 1, *p = start, *end = ps->end;
    /* Fast path: printable ASCII and valid UTF-8 up to the closing quote. */
    for (;;) {
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) p++;
        if (p >= end) {
            fail(ps, ps->p, FHIR_JSON_EOF, "the text ends inside a string");
            return false;
        }
        if (*p == '"') {
            *out = (const char *)start;
            *len = (size_t)(p - start);
            ps->p = p + 1;
            return true;
        }
        if (*p >= 0x80) {
            size_t n = utf8_sequence(p, end);
            if (!n) {
                fail(ps, p, FHIR_JSON_UTF8, "invalid UTF-8 byte 0x%02x in a string", *p);
                return false;
            }
            p += n;
            continue;
        }
        if (*p < 0x20) {
            fail(ps, p, FHIR_JSON_SYNTAX, "control character 0x%02x in a string (escape it)",
                 *p);
            return false;
        }
        break; /* a backslash: decode from here on */
    }
    size_t n = (size_t)(p - start);
    if (!scratch_reserve(ps, n + 64)) {
        fail(ps, p, FHIR_JSON_SYNTAX, "out of memory");
        return false;
    }
    memcpy(ps->scratch, start, n);
    while (p < end) {
        unsigned char c = *p;
        if (!scratch_reserve(ps, n + 8)) {
            fail(ps, p, FHIR_JSON_SYNTAX, "out of memory");
            return false;
        }
        if (c == '"') {
            *out = ps->scratch;
            *len = n;
            ps->p = p + 1;
            return true;
        }
        if (c == '\\') {
            p++;
            size_t w = unescape(ps, &p, ps->scratch + n);
            if (!w) return false;
            n += w;
        } else if (c < 0x20) {
            fail(ps, p, FHIR_JSON_SYNTAX, "control character 0x%02x in a string (escape it)", c);
            return false;
        } else if (c < 0x80) {
            ps->scratch[n++] = (char)c;
            p++;
        } else {
            size_t w = utf8_sequence(p, end);
            if (!w) {
                fail(ps, p, FHIR_JSON_UTF8, "invalid UTF-8 byte 0x%02x in a string", c);
                return false;
            }
            memcpy(ps->scratch + n, p, w);
            n += w;
            p += w;
        }
    }
    fail(ps, ps->p, FHIR_JSON_EOF, "the text ends inside a string");
    return false;
}

static json_t *parse_number(struct parser *ps)
{
    const unsigned char *start = ps->p, *p = start, *end = ps->end;
    bool integer = true;
    if (p < end && *p == '-') p++;
    if (p >= end || *p < '0' || *p > '9') {
        fail(ps, start, p >= end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
             "a number needs a digit after its sign");
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') {
            fail(ps, start, FHIR_JSON_SYNTAX, "a number cannot start with 0 (leading zero)");
            return NULL;
        }
    } else {
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && *p == '.') {
        integer = false;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            fail(ps, start, p >= end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
                 "a number needs a digit after its decimal point");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = false;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') {
            fail(ps, start, p >= end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
                 "a number needs a digit in its exponent");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    ps->p = p;
    size_t n = (size_t)(p - start);
    if (integer) {
        /* Digits accumulated as a negative value, so the most negative json_int_t fits. */
        json_int_t v = 0;
        bool negative = *start == '-';
        for (const unsigned char *q = start + negative; q < p; q++) {
            int d = *q - '0';
            if (v < (LLONG_MIN + d) / 10) {
                fail(ps, start, FHIR_JSON_SYNTAX, "integer %.*s is too large", (int)(n > 40 ? 40 : n),
                     (const char *)start);
                return NULL;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == LLONG_MIN) {
                fail(ps, start, FHIR_JSON_SYNTAX, "integer %.*s is too large", (int)n,
                     (const char *)start);
                return NULL;
            }
            v = -v;
        }
        return json_integer(v);
    }
    char local[64], *copy = n < sizeof local ? local : malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, start, n);
    copy[n] = '\0';
    errno = 0;
    double v = strtod(copy, NULL);
    int overflow = errno == ERANGE && (v > 1 || v < -1);
    if (copy != local) free(copy);
    if (overflow) {
        fail(ps, start, FHIR_JSON_SYNTAX, "real number %.*s is too large", (int)(n > 40 ? 40 : n),
             (const char *)start);
        return NULL;
    }
    return json_real(v);
}

static json_t *parse_value(struct parser *ps);

static json_t *parse_object(struct parser *ps)
{
    const unsigned char *open = ps->p++;
    json_t *obj = json_object();
    if (!obj) return NULL;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return obj;
    }
    for (;;) {
        char what[24];
        if (ps->p >= ps->end || *ps->p != '"') {
            fail(ps, ps->p, ps->p >= ps->end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
                 "expected a member name in quotes in the object opened at byte %zu, found %s",
                 (size_t)(open - ps->start) + 1, near(ps, ps->p, what));
            break;
        }
        const unsigned char *key_at = ps->p;
        const char *key;
        size_t key_len;
        if (!parse_string(ps, &key, &key_len)) break;
        if (json_object_getn(obj, key, key_len)) {
            fail(ps, key_at, FHIR_JSON_DUPLICATE, "duplicate key \"%.*s\"",
                 (int)(key_len > 60 ? 60 : key_len), key);
            break;
        }
        /* A key with escapes lives in the scratch buffer, which parsing the value reuses. */
        char key_local[64], *key_copy = NULL;
        if (key == ps->scratch) {
            key_copy = key_len <= sizeof key_local ? key_local : malloc(key_len);
            if (!key_copy) break;
            memcpy(key_copy, key, key_len);
            key = key_copy;
        }
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            fail(ps, ps->p, ps->p >= ps->end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
                 "expected ':' after the member name, found %s", near(ps, ps->p, what));
            if (key_copy != key_local) free(key_copy);
            break;
        }
        ps->p++;
        json_t *v = parse_value(ps);
        int rc = v ? json_object_setn_new_nocheck(obj, key, key_len, v) : -1;
        if (key_copy != key_local) free(key_copy);
        if (rc) break;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return obj;
        }
        fail(ps, ps->p, ps->p >= ps->end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
             "expected ',' or '}' after an object member, found %s", near(ps, ps->p, what));
        break;
    }
    json_decref(obj);
    return NULL;
}

static json_t *parse_array(struct parser *ps)
{
    ps->p++;
    json_t *arr = json_array();
    if (!arr) return NULL;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return arr;
    }
    for (;;) {
        json_t *v = parse_value(ps);
        if (!v || json_array_append_new(arr, v)) break;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return arr;
        }
        char what[24];
        fail(ps, ps->p, ps->p >= ps->end ? FHIR_JSON_EOF : FHIR_JSON_SYNTAX,
             "expected ',' or ']' after an array element, found %s", near(ps, ps->p, what));
        break;
    }
    json_decref(arr);
    return NULL;
}

static bool literal(struct parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
    ps->p += n;
    return true;
}

static json_t *parse_value(struct parser *ps)
{
    skip_ws(ps);
    char what[24];
    if (ps->p >= ps->end) {
        fail(ps, ps->p, FHIR_JSON_EOF, "expected a value, found the end of the text");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
    case '[': {
        if (++ps->depth > ps->max_depth) {
            fail(ps, ps->p, FHIR_JSON_DEPTH, "nested deeper than %d levels", ps->max_depth);
            return NULL;
        }
        json_t *v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
        ps->depth--;
        return v;
    }
    case '"': {
        const char *s;
        size_t n;
        if (!parse_string(ps, &s, &n)) return NULL;
        return json_stringn_nocheck(s, n);
    }
    case 't':
        if (literal(ps, "true", 4)) return json_true();
        break;
    case 'f':
        if (literal(ps, "false", 5)) return json_false();
        break;
    case 'n':
        if (literal(ps, "null", 4)) return json_null();
        break;
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
        break;
    }
    if (*ps->p >= 0x80 && !utf8_sequence(ps->p, ps->end))
        fail(ps, ps->p, FHIR_JSON_UTF8, "invalid UTF-8 byte 0x%02x", *ps->p);
    else
        fail(ps, ps->p, FHIR_JSON_SYNTAX, "expected a value, found %s", near(ps, ps->p, what));
    return NULL;
}

/* Line and column (in characters, from 1) of a byte offset. */
static void position(const struct parser *ps, const unsigned char *at, int *line, int *column)
{
    int l = 1, c = 1;
    if (at > ps->end) at = ps->end;
    for (const unsigned char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            l++;
            c = 1;
        } else if ((*q & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

json_t *fhir_json_load(const char *text, size_t n, int max_depth, struct fhir_json_error *err)
{
    struct parser ps = {
        .p = (const unsigned char *)text,
        .start = (const unsigned char *)text,
        .end = (const unsigned char *)text + n,
        .max_depth = max_depth,
        .err = err,
    };
    ps.scratch = ps.inline_scratch;
    ps.scratch_cap = sizeof ps.inline_scratch;
    err->kind = FHIR_JSON_OK;
    err->text[0] = '\0';
    json_t *root = NULL;
    skip_ws(&ps);
    char what[24];
    if (ps.p >= ps.end) {
        fail(&ps, ps.p, FHIR_JSON_EOF, "the text is empty: expected '{' or '['");
    } else if (*ps.p != '{' && *ps.p != '[') {
        fail(&ps, ps.p, FHIR_JSON_TOP, "expected '{' or '[' at the start, found %s",
             near(&ps, ps.p, what));
    } else {
        root = parse_value(&ps);
        if (root) {
            skip_ws(&ps);
            if (ps.p < ps.end) {
                fail(&ps, ps.p, FHIR_JSON_SYNTAX, "expected the end of the text, found %s",
                     near(&ps, ps.p, what));
                json_decref(root);
                root = NULL;
            }
        } else if (!ps.err_at) {
            fail(&ps, ps.p, FHIR_JSON_SYNTAX, "out of memory");
        }
    }
    if (ps.scratch != ps.inline_scratch) free(ps.scratch);
    if (!root) position(&ps, ps.err_at, &err->line, &err->column);
    return root;
}
