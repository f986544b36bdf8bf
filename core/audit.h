/* SPDX-License-Identifier: ISC */
/* audit.h: one line per key operation, appended to the instance's audit log
 * (config key audit_log, mode 0640) and sent to syslog (LOG_AUTH).
 * Never a secret: callers pass targets (paths, installation IDs), not values.
 *
 *   2026-11-24T01:02:03Z user=root person=alice tty=pts/0 from=10.0.0.5 op=backup target="/x.pem" outcome=ok error=""
 *
 * user is the effective user, person who invoked it (SUDO_UID under sudo,
 * else the login uid), tty the terminal.  from is the SSH client read from
 * the sshd session's own socket (a parent process); when that cannot be
 * read, $SSH_CONNECTION inside a login session is written as from_env=,
 * an address the invoker could have set.  An operation writes outcome=begin
 * before it changes anything and its outcome (ok, failed, refused,
 * cancelled) after.  Lines without person/tty (older logs) still read.
 */
#ifndef RS_AUDIT_H
#define RS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

typedef struct rs_audit_entry {
	int64_t time;
	char user[64];        /* effective user */
	char person[64];      /* who invoked it; "" in older records */
	char tty[64];         /* terminal without /dev/, "-" for none */
	char from[64];        /* SSH client address, or "local" */
	bool from_env;        /* from came from $SSH_CONNECTION only */
	char operation[32];
	char target[512];
	char outcome[16];     /* begin, ok, failed, cancelled, refused */
	char error[512];
} rs_audit_entry;

/* Appends one line to the audit log at path (its last folder is made when
 * missing) and logs to syslog.  The log must be a regular file: a symlink,
 * FIFO or device at path is refused without blocking (O_NOFOLLOW,
 * O_NONBLOCK, fstat).  A failed begin record stops the operation; a failed
 * outcome record is a warning. */
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

/* Parses one line; 0 when it is a well-formed record. */
int rs_audit_parse_line(const char *line, rs_audit_entry *e);

/* Tests only: read the process facts (loginuid, parents, sockets) below
 * root instead of /proc.  NULL restores /proc. */
void rs_audit_set_proc_root(const char *root);

#endif
