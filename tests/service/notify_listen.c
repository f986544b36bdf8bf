/* SPDX-License-Identifier: ISC */
/* notify_listen.c: a stand-in for systemd's notify socket in the tests.
 *
 *   notify_listen SOCKET SECONDS
 *
 * Binds an AF_UNIX datagram socket at SOCKET (a path, or an abstract name
 * when it starts with '@', as $NOTIFY_SOCKET names them), prints "ready",
 * then every datagram it receives, one assignment per line followed by a
 * line "--", until SECONDS have passed or SIGTERM.  Output is flushed
 * after each datagram so a test can poll the file. */
#include <config.h>

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int listen_at(const char *name)
{
	struct sockaddr_un a;
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || len >= sizeof a.sun_path)
		return -1;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, name, len);
	if (name[0] == '@')
		a.sun_path[0] = '\0';
	else
		unlink(name);
	if (bind(fd, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	char buf[4096];
	struct pollfd pfd;
	time_t end;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: notify_listen SOCKET SECONDS\n");
		return 2;
	}
	pfd.fd = listen_at(argv[1]);
	if (pfd.fd < 0) {
		perror(argv[1]);
		return 1;
	}
	pfd.events = POLLIN;
	end = time(NULL) + atoi(argv[2]);
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(pfd.fd, buf, sizeof buf - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		printf("%s\n--\n", buf);
		fflush(stdout);
	}
	if (argv[1][0] != '@')
		unlink(argv[1]);
	return 0;
}
