/* The live stream (GET /api/stream): server-sent events of queue changes for the caller's
 * territories. Connections wait suspended (no thread per client); a commit's changes are
 * appended to each interested subscriber's buffer and the connection resumed. A client that
 * reconnects with Last-Event-ID first receives what it missed, read back from the store's
 * change feed, so nothing is lost; a client too slow to keep up is disconnected and
 * recovers the same way. */
#ifndef VIGIE_HTTP_STREAM_H
#define VIGIE_HTTP_STREAM_H

#include <stdint.h>

struct stream_hub;
struct http_request;

struct stream_hub *stream_hub_new(void);
/* Ends every stream (before the HTTP server stops). */
void stream_hub_close(struct stream_hub *hub);
void stream_hub_free(struct stream_hub *hub);
/* platform_publish_fn: a committed change (writer thread). */
void stream_hub_publish(void *hub, int64_t feed_id, const char *territory, const char *kind,
                        const char *data);
/* Sends a comment line to every stream so that idle connections stay open (and dead ones
 * are found). */
void stream_hub_heartbeat(void *hub);
/* Number of connected streams. */
int stream_hub_count(struct stream_hub *hub);

/* The GET /api/stream handler. */
void http_api_stream(struct http_request *r);

#endif
