/* SPDX-License-Identifier: ISC */
/* requests.c: the service's socket, one request per connection:
 * "status", or "test-datasource NAME", which answers only ok or failed. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "rsserverd.h"

#define REQUEST_MAX 1024

/* The answer's lines are the core's (rs_service_status_write); this
 * fills in what only the service knows. */
static void answer_status(struct daemon *d, FILE *f)
{
	rs_service_status st;

	memset(&st, 0, sizeof st);
	snprintf(st.state, sizeof st.state, "%s", d->state);
	snprintf(st.activation, sizeof st.activation, "%s",
	    rs_activation_name(d->activation));
	snprintf(st.reason, sizeof st.reason, "%s", d->reason);
	st.generation = rs_service_key_generation(d->key);
	snprintf(st.kcv, sizeof st.kcv, "%s", rs_service_key_kcv(d->key));
	st.pid = (int64_t)getpid();
	st.since = d->since;
	snprintf(st.account, sizeof st.account, "%s", d->account);
	st.heartbeat = d->interval;
	rs_service_status_write(f, &st);
}

/* The value never leaves memory that is wiped before this returns. */
static void answer_test(struct daemon *d, FILE *f, const char *name)
{
	char why[RS_ERROR_MESSAGE_MAX + 64];
	rs_error err = { 0 };

	if (d->key == NULL) {
		snprintf(why, sizeof why, "%s: %s", _("not activated"), d->reason);
		rs_service_answer_write(f, why);
		return;
	}
	if (rs_service_test_datasource(d->ctx, d->key, name, &err) == RS_OK) {
		rs_service_answer_write(f, NULL);
		log_event(LOG_INFO, "test-datasource", _("%s: ok"), name);
		return;
	}
	rs_service_answer_write(f, err.message);
	log_event(LOG_WARNING, "test-datasource", _("%s: failed: %s"), name,
	    err.message);
}

static bool read_request(int fd, char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size) {
		n = read(fd, buf + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (memchr(buf, '\n', used) != NULL)
			break;
	}
	buf[used] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return used > 0;
}

void requests_serve_one(struct daemon *d)
{
	struct timeval tv = { 2, 0 };
	char req[REQUEST_MAX];
	const char *name;
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (!read_request(fd, req, sizeof req) || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	switch (rs_service_request_parse(req, &name)) {
	case RS_REQUEST_STATUS:
		answer_status(d, f);
		break;
	case RS_REQUEST_TEST_DATASOURCE:
		answer_test(d, f, name);
		break;
	default:
		rs_service_unknown_write(f);
	}
	fclose(f);
}
