/* Private helpers of the fhir module. */
#ifndef VIGIE_FHIR_INT_H
#define VIGIE_FHIR_INT_H

#include "fhir/fhir.h"

/* Joins the texts of a CodeableConcept (text, else codings' displays) into `out`. */
void fhir_concept_text(json_t *concept, buf *out);

#endif
