/* Fuzz target: an NDJSON body as POST /fhir/$import and `vigie import` read it, line by
 * line, each validated; the summary written. */
#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ingest *ing;
    if (!ing) {
        verr e;
        store *s = store_open(":memory:", STORE_WRITE, &e);
        struct ingest_options o = {.future_tolerance_ms = 600000};
        ing = s ? ingest_new(s, &o, &e) : NULL;
        if (!ing) return 0;
    }
    struct ingest_request *req = ingest_request_new(ing, 1772608320000LL, "fuzz", "fuzz");
    ingest_prepare_ndjson(req, (const char *)data, size, 1);
    buf out;
    buf_init(&out, 1 << 24);
    ingest_write_response(req, &out);
    buf_free(&out);
    ingest_request_free(req);
    return 0;
}
