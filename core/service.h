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
#include <sys/types.h>
#include "config.h"
#include "crypto.h"
#include "err.h"
#include "ops.h"

#define RS_SERVICE_HEARTBEAT_DEFAULT 5
#define RS_SERVICE_STALE_INTERVALS 3
#define RS_SERVICE_ANSWER_MAX 2048
/* How long start and stop wait for the service, in milliseconds. */
#define RS_SERVICE_WAIT_MS 15000

typedef struct rs_service_paths {
	char runtime[PATH_MAX];
	char socket[PATH_MAX + 16];
	char lock[PATH_MAX + 16];
	char log[PATH_MAX + 16];
} rs_service_paths;

void rs_service_paths_of(const rs_config *cfg, rs_service_paths *out);

/* What the service says about itself ("status"). */
typedef struct rs_service_status {
	bool running;              /* the run lock is held */
	bool answered;             /* and the socket answered */
	int64_t pid;
	char state[RS_HEARTBEAT_STATE_MAX]; /* activated, not-activated */
	char reason[RS_ERROR_MESSAGE_MAX];
	uint32_t generation;
	char kcv[RS_KCV_HEX_LEN + 1];
	int64_t since;             /* when it (re)loaded the key */
	char account[RS_NAME_MAX]; /* the user it runs as */
} rs_service_status;

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
