/* requests.c: the service's socket, one request per connection:
 * "status", or "test-datasource NAME", which answers only ok or failed. */
#include "i18n.h"   /* first: <config.h> turns on the GNU extensions */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "rsserverd.h"

#define REQUEST_MAX 1024

static void answer_status(struct daemon *d, FILE *f)
{
	fprintf(f, "state=%s\n", d->state);
	fprintf(f, "activation=%s\n", rs_activation_name(d->activation));
	fprintf(f, "reason=%s\n", d->reason);
	fprintf(f, "generation=%" PRIu32 "\n", rs_service_key_generation(d->key));
	fprintf(f, "kcv=%s\n", rs_service_key_kcv(d->key));
	fprintf(f, "pid=%ld\n", (long)getpid());
	fprintf(f, "since=%" PRId64 "\n", d->since);
	fprintf(f, "account=%s\n", d->account);
	fprintf(f, "heartbeat=%d\n", d->interval);
}

/* The value never leaves memory that is wiped before this returns. */
static void answer_test(struct daemon *d, FILE *f, const char *name)
{
	rs_error err = { 0 };

	if (d->key == NULL) {
		fprintf(f, "failed: %s: %s\n", _("not activated"), d->reason);
		return;
	}
	if (rs_service_test_datasource(d->ctx, d->key, name, &err) == RS_OK) {
		fprintf(f, "ok\n");
		log_event(LOG_INFO, "test-datasource", _("%s: ok"), name);
		return;
	}
	fprintf(f, "failed: %s\n", err.message);
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
	if (strcmp(req, "status") == 0)
		answer_status(d, f);
	else if (strncmp(req, "test-datasource ", 16) == 0 && req[16] != '\0')
		answer_test(d, f, req + 16);
	else
		fprintf(f, "failed: %s\n", _("unknown request (status, "
		    "test-datasource NAME)"));
	fclose(f);
}
