/* service.h: the report server service (rsserverd) as the tools see it.
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
#include "config.h"
#include "crypto.h"
#include "err.h"
#include "ops.h"

#define RS_SERVICE_HEARTBEAT_DEFAULT 5
#define RS_SERVICE_STALE_INTERVALS 3
/* How long start and stop wait for the service, in milliseconds. */
#define RS_SERVICE_WAIT_MS 15000

typedef struct rs_service_paths {
	char runtime[PATH_MAX];
	char socket[PATH_MAX + 16];
	char lock[PATH_MAX + 16];
	char log[PATH_MAX + 16];
} rs_service_paths;

void rs_service_paths_of(const rs_config *cfg, rs_service_paths *out);

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

/* ---- the wire format: formatted and parsed only here ----
 * A request is one line; the answer to "status" is KEY=VALUE lines, to
 * "test-datasource NAME" one line, "ok" or "failed: WHY". */

enum rs_service_request_kind {
	RS_REQUEST_UNKNOWN = 0,
	RS_REQUEST_STATUS,
	RS_REQUEST_TEST_DATASOURCE
};
/* *arg: the data source name of a test-datasource request. */
enum rs_service_request_kind rs_service_request_parse(const char *line,
    const char **arg);
/* The answer to "status" (st->running and st->answered are not sent). */
void rs_service_status_write(FILE *f, const rs_service_status *st);
/* "ok", or "failed: WHY" (why NULL: "ok"). */
void rs_service_answer_write(FILE *f, const char *why);
void rs_service_unknown_write(FILE *f);
/* Sends "test-datasource NAME" (one line: RS_ERR_USAGE otherwise). */
int rs_service_test_request(const rs_config *cfg, const char *name,
    char *answer, size_t size, rs_error *err);

/* Connects to a Unix socket path of any length (a long one is reached
 * through its folder's descriptor); -1 with errno on failure. */
int rs_unix_connect(const char *path);
/* Binds and listens at path (0660), replacing a stale socket. */
int rs_unix_listen(const char *path, rs_error *err);

/* ---- for rsserverd: the key in use (ops_service.c) ---- */

typedef struct rs_service_key rs_service_key;

/* Unwraps this instance's copy and checks it against the key check value
 * (the same path as every key operation).  Not activated: RS_ERR_NOT_ACTIVATED
 * with *why and err saying why. */
int rs_service_unlock(rs_ctx *ctx, rs_service_key **out, rs_activation *why,
    rs_error *err);
void rs_service_key_free(rs_service_key *k);
uint32_t rs_service_key_generation(const rs_service_key *k);
const char *rs_service_key_kcv(const rs_service_key *k);
/* Decrypts every cell of the data source NAME in memory and wipes it:
 * RS_OK, or an error whose message never holds a value. */
int rs_service_test_datasource(rs_ctx *ctx, const rs_service_key *k,
    const char *name, rs_error *err);
/* Records the heartbeat; RS_OK and nothing done when the backend keeps
 * none. */
int rs_service_heartbeat(rs_ctx *ctx, const rs_heartbeat *hb, rs_error *err);

#endif
