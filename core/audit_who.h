/* SPDX-License-Identifier: ISC */
/* audit_who.h: the facts an audit record gives about who acts (internal to
 * audit.c; the proc root hook is in audit.h). */
#ifndef RS_AUDIT_WHO_H
#define RS_AUDIT_WHO_H

#include <stdbool.h>
#include <stddef.h>
#include "audit.h"

/* The invoking person: sudo's user when root runs under sudo, else the
 * login uid's name, else the real uid's. */
void rs_who_person(char *out, size_t size);
/* The terminal without "/dev/", "-" when there is none. */
void rs_who_tty(char *out, size_t size);
/* The SSH client address or "local"; *from_env when it is only the
 * environment's word. */
void rs_who_from(char *out, size_t size, bool *from_env);

#endif
