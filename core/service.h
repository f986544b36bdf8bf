/* SPDX-License-Identifier: ISC */
/* service.h: the report server service (rsserverd) as the core reaches it:
 * its run lock, socket, start and stop.  The faces and rsserverd use ops.h.
 *
 * Each instance's service has a runtime folder (config key runtime, default
 * RUNSTATEDIR/rsconfig/NAME, the unit's RuntimeDirectory=; see config.c)
 * holding:
 *   rsserverd.lock  the run lock: flock()ed while the service runs, holds
 *                   its pid, so two copies of one instance cannot run (a
 *                   pid the account wrote: --stop signals only a verified
 *                   one, see rs_service_pid_verified);
 *   rsserverd.sock  a Unix socket (0660) answering one request per
 *                   connection: "status" or "test-datasource NAME", many
 *                   clients at once, each within a deadline;
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
/* pid runs our rsserverd (the program rs_service_program names) as the
 * config's service account, as /proc says.  Root signals nothing else. */
bool rs_service_pid_verified(const rs_config *cfg, pid_t pid);
/* Sends sig to pid (another member's service here, as its heartbeat
 * names it) only when /proc shows our rsserverd running as account:
 * RS_ERR_PERMISSION, signalling nothing, when it is not. */
int rs_service_signal_member(const char *account, int64_t pid, int sig,
    rs_error *err);
/* Sends request, reads the whole answer (one connection per request).
 * RS_ERR_STATE when nothing listens. */
int rs_service_request(const rs_config *cfg, const char *request,
    char *answer, size_t size, rs_error *err);
/* Fills st; RS_OK also when the service is not running (st->running). */
int rs_service_status_get(const rs_config *cfg, rs_service_status *st,
    rs_error *err);
/* The one way to start, stop and reload (service_control in ops.h):
 * through systemctl when rs_service_unit() names the unit, else directly:
 * start runs rsserverd in the background, detached, and waits until its
 * socket answers (heartbeat 0: the service's default; systemd runs it with
 * the config's own); stop sends SIGTERM (to a verified pid only) and waits until the run lock is
 * free; reload sends SIGHUP.  RS_ERR_STATE when starting one that runs;
 * stopping or reloading one that is not running is RS_OK. */
int rs_service_control(const rs_config *cfg, rs_service_action action,
    int heartbeat, rs_service_done *done, rs_error *err);
/* Shorthands for rs_service_control(). */
int rs_service_start(const rs_config *cfg, int heartbeat, rs_error *err);
int rs_service_stop(const rs_config *cfg, bool *was_running, rs_error *err);
/* *sent: a running service was told to re-read the key. */
int rs_service_reload(const rs_config *cfg, bool *sent, rs_error *err);
/* systemctl.c: the unit (rsserverd@NAME.service) when systemd runs (PID 1),
 * systemctl is in /usr/bin or /bin, cfg->path is the unit's config,
 * SYSCONFDIR/rsconfig/NAME.conf, and the unit is installed. */
bool rs_service_unit(const rs_config *cfg, char *unit, size_t size);
/* Runs systemctl VERB UNIT without a terminal; its exit status (-1 when it
 * could not run) and what it said on stderr. */
int rs_systemctl(const char *verb, const char *unit, char *said, size_t size);
/* Where rsserverd is: next to the running program, else SBINDIR. */
void rs_service_program(char *out, size_t size);

/* Sends "test-datasource NAME" (one line: RS_ERR_USAGE otherwise). */
int rs_service_test_request(const rs_config *cfg, const char *name,
    char *answer, size_t size, rs_error *err);

/* Connects to a Unix socket path of any length (a long one is reached
 * through its folder's descriptor); -1 with errno on failure. */
int rs_unix_connect(const char *path);
#endif
