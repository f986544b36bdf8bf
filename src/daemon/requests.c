/* SPDX-License-Identifier: ISC */
/* requests.c: the service's socket, one request per connection:
 * "status", or "test-datasource NAME", which answers only ok or failed.
 *
 * Clients are served side by side from serve.c's poll loop: every socket
 * is non-blocking, a connection has REQUEST_SECONDS from accept to finish
 * (not per read), and at most CLIENTS_MAX are open; the oldest idle one
 * (else the oldest) goes when a new one comes.  So no client, idle, slow
 * or many, can hold up another client, the heartbeat or the watchdog. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rsserverd.h"

#define REQUEST_MAX 1024
#define REQUEST_SECONDS 2.0

struct client {
	int fd;
	double deadline;
	size_t used;               /* bytes of req read */
	char req[REQUEST_MAX];
	char *answer;              /* NULL while reading */
	size_t answer_len, sent;
};

/* Oldest first. */
static struct client clients[CLIENTS_MAX];
static int nclients;
static bool crowded;

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

/* The whole answer is made at once, then sent as the socket takes it. */
static void answer(struct daemon *d, struct client *c)
{
	const char *name;
	FILE *f = open_memstream(&c->answer, &c->answer_len);

	if (f == NULL) {
		c->answer = NULL;
		return;
	}
	switch (rs_service_request_read(c->req, c->used, &name)) {
	case RS_REQUEST_STATUS:
		answer_status(d, f);
		break;
	case RS_REQUEST_TEST_DATASOURCE:
		answer_test(d, f, name);
		break;
	default:
		rs_service_unknown_write(f);
	}
	if (fclose(f) != 0) {
		free(c->answer);
		c->answer = NULL;
	}
	c->sent = 0;
}

static void client_close(int i)
{
	close(clients[i].fd);
	free(clients[i].answer);
	nclients--;
	memmove(&clients[i], &clients[i + 1],
	    (size_t)(nclients - i) * sizeof clients[0]);
}

int requests_pollfds(struct pollfd *pfd)
{
	for (int i = 0; i < nclients; i++) {
		pfd[i].fd = clients[i].fd;
		pfd[i].events = clients[i].answer ? POLLOUT : POLLIN;
		pfd[i].revents = 0;
	}
	if (crowded && nclients < CLIENTS_MAX / 2)
		crowded = false;
	return nclients;
}

double requests_deadline(void)
{
	double first = 0;

	for (int i = 0; i < nclients; i++)
		if (first == 0 || clients[i].deadline < first)
			first = clients[i].deadline;
	return first;
}

/* false: done with this client (answered, gone, or broken). */
static bool client_read(struct daemon *d, struct client *c)
{
	ssize_t n = read(c->fd, c->req + c->used, sizeof c->req - 1 - c->used);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0 && c->used == 0)
		return false;
	c->used += (size_t)n;
	if (n > 0 && c->used + 1 < sizeof c->req &&
	    memchr(c->req, '\n', c->used) == NULL)
		return true;
	answer(d, c);
	return c->answer != NULL;
}

static bool client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->answer + c->sent, c->answer_len - c->sent,
	    MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	c->sent += (size_t)n;
	return c->sent < c->answer_len;
}

/* false: done with this client. */
static bool client_io(struct daemon *d, struct client *c)
{
	if (c->answer == NULL) {
		if (!client_read(d, c))
			return false;
		if (c->answer == NULL)
			return true;
	}
	return client_write(c);
}

/* The oldest idle one (nothing sent yet), else the oldest, makes room for
 * the newest, so a flood of clients cannot lock out the one that asks
 * something. */
static void make_room(void)
{
	int victim = 0;

	if (nclients < CLIENTS_MAX)
		return;
	for (int i = 0; i < nclients; i++)
		if (clients[i].used == 0 && clients[i].answer == NULL) {
			victim = i;
			break;
		}
	if (!crowded)
		log_event(LOG_WARNING, "clients", ngettext("more than %d "
		    "client at once: the oldest idle connections are closed",
		    "more than %d clients at once: the oldest idle connections "
		    "are closed", CLIENTS_MAX), CLIENTS_MAX);
	crowded = true;
	client_close(victim);
}

void requests_accept(struct daemon *d, double now)
{
	struct client *c;
	int fd;

	for (int n = 0; n < CLIENTS_MAX; n++) {
		fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK);
		if (fd < 0)
			return;
		make_room();
		c = &clients[nclients++];
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->deadline = now + REQUEST_SECONDS;
		/* A client that sent its request before it was accepted (as
		 * rskeymgmt does) is answered now, before newer ones come. */
		if (!client_io(d, c))
			client_close(nclients - 1);
	}
}

/* pfd[i] is clients[i] as requests_pollfds() left them; a client past its
 * deadline is closed whatever it was doing. */
void requests_run(struct daemon *d, const struct pollfd *pfd, int n,
    double now)
{
	bool keep[CLIENTS_MAX];
	struct client *c;

	for (int i = 0; i < n; i++) {
		c = &clients[i];
		keep[i] = now < c->deadline;
		if (!keep[i] || pfd[i].revents == 0)
			continue;
		keep[i] = client_io(d, c);
	}
	for (int i = n - 1; i >= 0; i--)
		if (!keep[i])
			client_close(i);
}

void requests_close_all(void)
{
	while (nclients > 0)
		client_close(nclients - 1);
}
