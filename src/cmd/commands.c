#include "cmd/cmd.h"

#include <stddef.h>

/* One line per command, in the order `vigie --help` lists them. */





const struct command commands[] = {
    {"serve", "run the platform (HTTP API, FHIR, console)", cmd_serve},
    {"import", "load NDJSON FHIR resources into a database", cmd_import},
    {"export", "write a database's resources as NDJSON", cmd_export},
    {"check", "verify a database's integrity", cmd_check},
    {"migrate", "copy a platform between databases (SQLite and PostgreSQL, either way)",
     cmd_migrate},
    {"triage", "triage NDJSON FHIR resources offline, one JSON event per line", cmd_triage},
    {"user", "manage users, roles, territories, passwords and gateway keys", cmd_user},
    {"territory", "the programme's registry: territories, communes, quotas, sites, professionals",
     cmd_territory},
    {"audit", "the audit trail of access to patient data (NDJSON or FHIR AuditEvent)", cmd_audit},
    {"apl", "accessibility to GPs (E2SFCA) and medical deserts", cmd_apl},
    {"sites", "where to open telemedicine sites (maximal covering)", cmd_sites},
    {"rotations", "mobile medical team stays across territories", cmd_rotations},
    {"sim", "simulated programme, signals and ground truth; scores triage events", cmd_sim},
    {NULL, NULL, NULL},
};
