/* Fuzz target: one FHIR resource or Bundle, as POST /fhir/{type} and POST /fhir receive it:
 * strict JSON parsing, then the validator of its resource type, then a Bundle's entries.
 * Nothing may crash, leak or read out of bounds whatever the bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fhir/fhir.h"
#include "ingest/ingest.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ingest *fuzz_ingest(void)
{
    static ingest *ing;
    if (!ing) {
        verr e;
        store *s = store_open(":memory:", STORE_WRITE, &e);
        struct ingest_options o = {.future_tolerance_ms = 600000};
        ing = s ? ingest_new(s, &o, &e) : NULL;
    }
    return ing;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ingest *ing = fuzz_ingest();
    if (!ing) return 0;
    const char *text = (const char *)data;
    struct ingest_request *req = ingest_request_new(ing, 1772608320000LL, "fuzz", "fuzz");
    ingest_prepare_resource(req, NULL, NULL, text, size);
    buf out;
    buf_init(&out, 1 << 24);
    ingest_write_response(req, &out);
    buf_free(&out);
    ingest_request_free(req);

    req = ingest_request_new(ing, 1772608320000LL, "fuzz", "fuzz");
    ingest_prepare_bundle(req, text, size);
    buf_init(&out, 1 << 24);
    ingest_write_response(req, &out);
    buf_free(&out);
    ingest_request_free(req);

    struct fhir_span spans[64];
    fhir_bundle_resource_spans(text, size, spans, 64);
    buf_init(&out, 1 << 24);
    fhir_resource_with_id(text, size, ID_INSERT, "abc", &out);
    buf_free(&out);
    return 0;
}
