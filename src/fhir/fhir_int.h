/* Private helpers of the fhir module. */
#ifndef VIGIE_FHIR_INT_H
#define VIGIE_FHIR_INT_H

#include "fhir/fhir.h"

/* Member as a string. Absent: NULL without an issue. Present but not a string: NULL, an
 * issue at `expression`, and *bad set. */
const char *fhir_get_string(json_t *obj, const char *member, const char *expression,
                            struct fhir_outcome *oo, bool *bad);
/* Member as an array, same conventions. */
json_t *fhir_get_array(json_t *obj, const char *member, const char *expression,
                       struct fhir_outcome *oo, bool *bad);
json_t *fhir_get_object(json_t *obj, const char *member, const char *expression,
                        struct fhir_outcome *oo, bool *bad);
/* Joins the texts of a CodeableConcept (text, else codings' displays) into `out`. */
void fhir_concept_text(json_t *concept, buf *out);

#endif
