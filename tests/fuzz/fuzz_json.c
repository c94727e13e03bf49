/* Fuzz target: the JSON parser (src/fhir/jsonparse.c) against jansson's. Whatever the bytes,
 * both accept or both refuse, and what they accept is the same tree; any disagreement
 * aborts with both answers. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    json_error_t jerr;
    struct fhir_json_error err;
    /* A raw NUL byte is never valid JSON. jansson drops one that follows a number (its
     * lexer's unget treats the byte as the end of its buffer), so it is no reference there. */
    if (memchr(text, 0, size)) {
        json_t *ours = fhir_json_load(text, size, 2048, &err);
        if (ours) {
            fprintf(stderr, "fhir_json_load accepts a NUL byte\n");
            abort();
        }
        return 0;
    }
    json_t *theirs = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    json_t *ours = fhir_json_load(text, size, 2048, &err); /* jansson's depth limit */
    if (!theirs != !ours) {
        fprintf(stderr, "disagreement: jansson %s (%s), fhir_json_load %s (%s)\n",
                theirs ? "accepts" : "refuses", theirs ? "" : jerr.text,
                ours ? "accepts" : "refuses", ours ? "" : err.text);
        abort();
    }
    if (theirs && !json_equal(theirs, ours)) {
        fprintf(stderr, "disagreement: different trees\n");
        abort();
    }
    json_decref(theirs);
    json_decref(ours);
    return 0;
}
