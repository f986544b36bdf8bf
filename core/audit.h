/* SPDX-License-Identifier: ISC */
/* audit.h: one line per key operation, appended to the instance's audit log
 * (config key audit_log, mode 0640) and sent to syslog (LOG_AUTH).
 * Never a secret: callers pass targets (paths, installation IDs), not values.
 *
 *   2026-11-24T01:02:03Z user=root from=10.0.0.5 op=backup target="/x.pem" outcome=ok error=""
 */
#ifndef RS_AUDIT_H
#define RS_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

typedef struct rs_audit_entry {
	int64_t time;
	char user[64];
	char from[64];        /* SSH client address, or "local" */
	char operation[32];
	char target[512];
	char outcome[16];     /* ok, failed, cancelled, refused */
	char error[512];
} rs_audit_entry;

/* Appends one line to the audit log at path (its last folder is made when
 * missing) and logs to syslog.  An audit failure is reported in err but
 * callers treat it as a warning, not as the operation's failure. */
int rs_audit_record_to(const char *path, const char *operation,
    const char *target, const char *outcome, const char *error, rs_error *err);
/* Newest first, at most max entries (0: all); *out malloc'd, free() it.
 * A missing log is no entries; malformed lines are skipped. */
int rs_audit_read_from(const char *path, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err);

/* The same across the current log and the one logrotate left beside it,
 * PATH.1 (data/rsconfig.logrotate uses delaycompress, so it is not yet
 * compressed): newest first, the current log's records before the rotated
 * one's.  Older, compressed logs (PATH.2.gz ...) are not read. */
int rs_audit_read_rotated(const char *path, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err);

/* The same for the audit log beside a database file (DATABASE-audit.log),
 * the place before the config had audit_log. */
void rs_audit_path(const char *database, char *out, size_t size);
int rs_audit_record(const char *database, const char *operation,
    const char *target, const char *outcome, const char *error, rs_error *err);
int rs_audit_read(const char *database, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err);

#endif
