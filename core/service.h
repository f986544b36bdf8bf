/* service.h: the report server service (rsserverd) as the core reaches it:
 * its run lock, socket, start and stop.  The faces and rsserverd use ops.h.
 *
 * Each instance's service has a runtime folder (config key runtime, default
 * KEYSTORE.run, next to the key store) holding:
 *   rsserverd.lock  the run lock: flock()ed while the service runs, holds
 *                   its pid, so two copies of one instance cannot run and
 *                   --stop knows whom to signal;
 *   rsserverd.sock  a Unix socket (0660) answering one request per
 *                   connection: "status" or "test-datasource NAME";
 *   rsserverd.log   its log when started in the background.
 * It records a heartbeat in the database every interval seconds; a member
 * whose heartbeat is older than RS_SERVICE_STALE_INTERVALS intervals is
 * shown as stale. */
#ifndef RS_SERVICE_H
#define RS_SERVICE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "instance.h"
#include "crypto.h"
#include "err.h"
#include "ops.h"

#define RS_SERVICE_STALE_INTERVALS 3
/* How long start and stop wait for the service, in milliseconds. */
#define RS_SERVICE_WAIT_MS 15000

/* The pid holding the run lock, or 0 when the service is not running. */
pid_t rs_service_pid(const rs_config *cfg);
/* Sends request, reads the whole answer (one connection per request).
 * RS_ERR_STATE when nothing listens. */
int rs_service_request(const rs_config *cfg, const char *request,
    char *answer, size_t size, rs_error *err);
/* Fills st; RS_OK also when the service is not running (st->running). */
int rs_service_status_get(const rs_config *cfg, rs_service_status *st,
    rs_error *err);
/* Starts rsserverd in the background, detached, and waits until its socket
 * answers.  heartbeat 0: the service's default.  RS_ERR_STATE when it
 * already runs. */
int rs_service_start(const rs_config *cfg, int heartbeat, rs_error *err);
/* SIGTERM, then waits until the run lock is free.  Stopping a service
 * that is not running is RS_OK with *was_running false (may be NULL). */
int rs_service_stop(const rs_config *cfg, bool *was_running, rs_error *err);
/* Tells a running local service to re-read the key (SIGHUP); RS_OK and
 * *sent false when none runs. */
int rs_service_reload(const rs_config *cfg, bool *sent, rs_error *err);
/* Where rsserverd is: next to the running program, else SBINDIR. */
void rs_service_program(char *out, size_t size);

/* Sends "test-datasource NAME" (one line: RS_ERR_USAGE otherwise). */
int rs_service_test_request(const rs_config *cfg, const char *name,
    char *answer, size_t size, rs_error *err);

/* Connects to a Unix socket path of any length (a long one is reached
 * through its folder's descriptor); -1 with errno on failure. */
int rs_unix_connect(const char *path);
#endif
