/* Codes the registry checks: ids, INSEE communes and their regions, SNOMED CT concept ids
 * (Verhoeff check digit), RPPS numbers. */
#include "registry/registry.h"

#include <ctype.h>
#include <string.h>

const char *const registry_site_kinds[] = {"msp", "smp", "ehpad", "telemedicine", "hospital",
                                           NULL};
const char *const registry_professions[] = {"gp",         "nurse",           "ipa",
                                            "specialist", "pharmacist",      "physiotherapist",
                                            "midwife",    "other",           NULL};

bool registry_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= STORE_CODE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i])) return false;
    return true;
}

/* Départements by region, INSEE Code officiel géographique (regions since 2016). */
static const struct {
    const char *region;
    const char *departements; /* space-separated */
} region_departements[] = {
    {"01", "971"},
    {"02", "972"},
    {"03", "973"},
    {"04", "974"},
    {"06", "976"},
    {"11", "75 77 78 91 92 93 94 95"},
    {"24", "18 28 36 37 41 45"},
    {"27", "21 25 39 58 70 71 89 90"},
    {"28", "14 27 50 61 76"},
    {"32", "02 59 60 62 80"},
    {"44", "08 10 51 52 54 55 57 67 68 88"},
    {"52", "44 49 53 72 85"},
    {"53", "22 29 35 56"},
    {"75", "16 17 19 23 24 33 40 47 64 79 86 87"},
    {"76", "09 11 12 30 31 32 34 46 48 65 66 81 82"},
    {"84", "01 03 07 15 26 38 42 43 63 69 73 74"},
    {"93", "04 05 06 13 83 84"},
    {"94", "2A 2B"},
};

/* The département part of a commune code: 3 characters overseas (97x), else 2. */
static size_t departement_length(const char *code)
{
    return !strncmp(code, "97", 2) ? 3 : 2;
}

bool registry_commune_valid(const char *code)
{
    if (strlen(code) != 5) return false;
    bool corsica = code[0] == '2' && (code[1] == 'A' || code[1] == 'B');
    for (size_t i = corsica ? 2 : 0; i < 5; i++)
        if (!isdigit((unsigned char)code[i])) return false;
    return !!registry_commune_region(code);
}

const char *registry_commune_region(const char *code)
{
    size_t n = departement_length(code);
    if (strlen(code) < n) return NULL;
    for (size_t r = 0; r < sizeof region_departements / sizeof region_departements[0]; r++) {
        for (const char *d = region_departements[r].departements; *d;) {
            size_t len = strcspn(d, " ");
            if (len == n && !strncmp(d, code, n)) return region_departements[r].region;
            d += len;
            while (*d == ' ') d++;
        }
    }
    return NULL;
}

/* Verhoeff's dihedral group D5: multiplication table and the position permutations
 * (row i is the permutation of row 1 applied i times). */
static const unsigned char verhoeff_d[10][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
};
static const unsigned char verhoeff_p[8][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
};

bool registry_snomed_valid(const char *code)
{
    /* SNOMED CT identifiers: 6-18 digits, no leading zero; the two digits before the check
     * digit are the partition, 00 (short format) or 10 (long format) for a concept. */
    size_t n = strlen(code);
    if (n < 6 || n > 18 || code[0] == '0') return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)code[i])) return false;
    if ((code[n - 3] != '0' && code[n - 3] != '1') || code[n - 2] != '0') return false;
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c = verhoeff_d[c][verhoeff_p[i % 8][code[n - 1 - i] - '0']];
    return c == 0;
}

bool registry_rpps_valid(const char *rpps)
{
    if (strlen(rpps) != 11) return false;
    for (size_t i = 0; i < 11; i++)
        if (!isdigit((unsigned char)rpps[i])) return false;
    return true;
}
