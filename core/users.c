/* SPDX-License-Identifier: ISC */
/* users.c: a uid's user name (users.h). */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include "users.h"

/* getpwuid_r, not getpwuid: the latter's static entry is shared with
 * every other lookup in the process (NSS modules, the daemon's own). */
const char *rs_user_name(uid_t uid, char *buf, size_t size,
    rs_user_fallback fallback)
{
	struct passwd entry, *pw = NULL;
	char small[1024], *room = small;
	size_t cap = sizeof small;
	int rc;

	while ((rc = getpwuid_r(uid, &entry, room, cap, &pw)) == ERANGE &&
	    cap < 1024 * 1024) {
		if (room != small)
			free(room);
		cap *= 4;
		room = malloc(cap);
		if (room == NULL)
			break;
	}
	if (rc == 0 && room != NULL && pw != NULL && pw->pw_name != NULL)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, fallback == RS_USER_RECORD ? "uid%lu" :
		    "%lu", (unsigned long)uid);
	if (room != small)
		free(room);
	return buf;
}
