/* Private to the platform module. */
#ifndef VIGIE_PLATFORM_INT_H
#define VIGIE_PLATFORM_INT_H

#include "platform/platform.h"

/* Creates the engine, rebuilds it from the store and installs the ingest sink. */
struct platform_triage *platform_triage_new(struct platform *p,
                                            const struct platform_publisher *publisher, verr *e);
void platform_triage_free(struct platform_triage *t);
/* Several nodes (PostgreSQL): a thread that publishes what any node adds to the change
 * feed (triage_glue.c). */
void platform_listener_start(struct platform *p);
void platform_listener_stop(struct platform *p);

#endif
