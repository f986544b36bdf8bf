/* SPDX-License-Identifier: ISC */
/* users.h: a uid's user name, written once for messages, records and
 * commands (it was five copies with four fallbacks). */
#ifndef RS_USERS_H
#define RS_USERS_H

#include <stddef.h>
#include <sys/types.h>

/* What stands in for the name of a uid that has none. */
typedef enum {
	/* "1234": what chown and ls take, for a "Fix with: chown" line. */
	RS_USER_NUMBER,
	/* "uid1234": a record's user word (audit log, lock holder), which
	 * a reader must not take for an account named "1234". */
	RS_USER_RECORD,
} rs_user_fallback;

/* Writes uid's user name, or the fallback, into buf; returns buf. */
const char *rs_user_name(uid_t uid, char *buf, size_t size,
    rs_user_fallback fallback);

#endif
