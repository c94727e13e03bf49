/* The CapabilityStatement served at GET /fhir/metadata. */
#include "fhir/fhir.h"

#include <string.h>

int fhir_capability_write(buf *out, const char *software_version, const char *date)
{
    static const char *const create_only[] = {"Communication", "ServiceRequest"};
    static const char *const updatable[] = {"Patient", "Condition"};
    int rc = 0;
    rc |= buf_printf(out,
                     "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\","
                     "\"date\":\"%s\",\"kind\":\"instance\",\"fhirVersion\":\"4.0.1\","
                     "\"format\":[\"json\"],\"software\":{\"name\":\"Vigie\",\"version\":\"%s\"},"
                     "\"implementation\":{\"description\":\"Vigie territorial telemonitoring "
                     "platform\"},\"rest\":[{\"mode\":\"server\","
                     "\"security\":{\"description\":\"Bearer token from POST /api/login, or a "
                     "gateway key\"},\"interaction\":[{\"code\":\"batch\"},{\"code\":"
                     "\"transaction\"}],\"operation\":[{\"name\":\"import\",\"definition\":"
                     "\"urn:vigie:operation:import\",\"documentation\":\"NDJSON, streamed\"}],"
                     "\"resource\":[",
                     date, software_version);
    rc |= buf_puts(out,
                   "{\"type\":\"Observation\",\"interaction\":[{\"code\":\"create\"},{\"code\":"
                   "\"update\"},{\"code\":\"read\"},{\"code\":\"search-type\"}],"
                   "\"searchParam\":[{\"name\":\"patient\",\"type\":\"reference\"},{\"name\":"
                   "\"code\",\"type\":\"token\"},{\"name\":\"date\",\"type\":\"date\"},{\"name\":"
                   "\"_count\",\"type\":\"number\"}]}");
    for (size_t i = 0; i < 2; i++)
        rc |= buf_printf(out,
                         ",{\"type\":\"%s\",\"interaction\":[{\"code\":\"create\"},{\"code\":"
                         "\"update\"},{\"code\":\"read\"}]}",
                         updatable[i]);
    for (size_t i = 0; i < 2; i++)
        rc |= buf_printf(out,
                         ",{\"type\":\"%s\",\"interaction\":[{\"code\":\"create\"},{\"code\":"
                         "\"read\"}]}",
                         create_only[i]);
    rc |= buf_puts(out, "]}]}");
    return rc ? -1 : 0;
}
