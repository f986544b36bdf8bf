/* SPDX-License-Identifier: ISC */
/* service.c: finding, asking, starting and stopping the report server
 * service of a local instance (see service.h).  Used by rskeymgmt, rsconfig
 * and rsserverd itself; nothing here touches the key. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "i18n.h"
#include "service.h"

#ifndef SBINDIR
#define SBINDIR "/usr/local/sbin"
#endif

#define POLL_MS 50

void rs_service_paths_of(const rs_config *cfg, rs_service_paths *out)
{
	size_t len;

	memset(out, 0, sizeof *out);
	if (cfg->runtime[0] != '\0') {
		snprintf(out->runtime, sizeof out->runtime, "%s", cfg->runtime);
	} else {
		/* Next to the key store and named after it, so instances with
		 * their own key stores never share a run lock. */
		snprintf(out->runtime, sizeof out->runtime, "%s", cfg->keystore);
		len = strlen(out->runtime);
		while (len > 1 && out->runtime[len - 1] == '/')
			out->runtime[--len] = '\0';
		if (len + 4 < sizeof out->runtime)
			memcpy(out->runtime + len, ".run", 5);
	}
	snprintf(out->socket, sizeof out->socket, "%s/rsserverd.sock", out->runtime);
	snprintf(out->lock, sizeof out->lock, "%s/rsserverd.lock", out->runtime);
	snprintf(out->log, sizeof out->log, "%s/rsserverd.log", out->runtime);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- Unix sockets of any path length ---- */

/* sun_path holds 108 bytes; a longer path is reached through a
 * descriptor of its folder (/proc/self/fd/N/NAME). */
static int unix_address(const char *path, struct sockaddr_un *sa, int *dirfd)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	if (strlen(path) < sizeof sa->sun_path) {
		memcpy(sa->sun_path, path, strlen(path) + 1);
		return 0;
	}
	if (base == NULL || (size_t)(base - path) >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(base - path));
	dir[base - path] = '\0';
	*dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -1;
	if (snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s",
	    *dirfd, base + 1) >= (int)sizeof sa->sun_path) {
		close(*dirfd);
		*dirfd = -1;
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int rs_unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int dirfd, fd, rc, saved;

	if (unix_address(path, &sa, &dirfd) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, sizeof sa);
	saved = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (rc != 0 && fd >= 0)
		close(fd);
	errno = saved;
	return rc == 0 ? fd : -1;
}

int rs_unix_listen(const char *path, rs_error *err)
{
	struct sockaddr_un sa;
	int dirfd, fd = -1, rc = -1;

	if (unix_address(path, &sa, &dirfd) == 0) {
		/* The caller holds the run lock: a socket left here is stale. */
		unlink(sa.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
		    chmod(sa.sun_path, 0660) == 0 && listen(fd, 128) == 0)
			rc = 0;
	}
	if (rc != 0)
		rs_err(err, RS_ERR_IO, _("cannot listen on %s: %s"), path,
		    strerror(errno));
	if (dirfd >= 0)
		close(dirfd);
	if (rc != 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* ---- the run lock ---- */

static pid_t pid_from_file(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long v;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 ? (pid_t)v : -1;
}

pid_t rs_service_pid(const rs_config *cfg)
{
	rs_service_paths p;
	pid_t pid = 0;
	int fd, sock;

	rs_service_paths_of(cfg, &p);
	fd = open(p.lock, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		/* Not ours to read: a socket that answers still says "up". */
		if (errno != EACCES || (sock = rs_unix_connect(p.socket)) < 0)
			return 0;
		close(sock);
		return -1;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		flock(fd, LOCK_UN);
	else if (errno == EWOULDBLOCK)
		pid = pid_from_file(fd);
	close(fd);
	return pid;
}

/* ---- requests ---- */

static int not_running(const rs_config *cfg, rs_error *err)
{
	return rs_err(err, RS_ERR_STATE, _("The report server service of %s\\%s "
	    "is not running; start it with rskeymgmt --start."), cfg->machine,
	    cfg->instance);
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The service runs as a less privileged account: it gets ANSWER_MS for
 * its whole answer, not per read, so a trickle cannot hold root up. */
#define ANSWER_MS 5000

static int read_all(int fd, char *answer, size_t size)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long end = ms_now() + ANSWER_MS, left;
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size) {
		left = end - ms_now();
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		n = read(fd, answer + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	answer[used] = '\0';
	while (used > 0 && answer[used - 1] == '\n')
		answer[--used] = '\0';
	return used > 0 ? 0 : -1;
}

int rs_service_request(const rs_config *cfg, const char *request,
    char *answer, size_t size, rs_error *err)
{
	rs_service_paths p;
	struct timeval tv = { 5, 0 };
	int fd, ok;

	rs_service_paths_of(cfg, &p);
	fd = rs_unix_connect(p.socket);
	if (fd < 0)
		return errno == EACCES ? rs_err(err, RS_ERR_PERMISSION,
		    _("not allowed to talk to the report server service at %s: "
		    "run as root, the service account or a member of its "
		    "group"), p.socket) : not_running(cfg, err);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	ok = dprintf(fd, "%s\n", request) > 0 && shutdown(fd, SHUT_WR) == 0 &&
	    read_all(fd, answer, size) == 0;
	close(fd);
	if (!ok)
		return rs_err(err, RS_ERR_IO, _("the report server service at %s "
		    "did not answer"), p.socket);
	return RS_OK;
}

/* The service's answer is what a less privileged process wrote: numbers
 * out of range are clamped, never wrapped. */
static int64_t number(const char *val, int64_t min, int64_t max)
{
	long long v;

	v = strtoll(val, NULL, 10);
	if (v < min)
		return min;
	return v > max ? max : (int64_t)v;
}

static void status_field(rs_service_status *st, const char *key,
    const char *val)
{
	if (strcmp(key, "state") == 0)
		snprintf(st->state, sizeof st->state, "%s", val);
	else if (strcmp(key, "reason") == 0)
		snprintf(st->reason, sizeof st->reason, "%s", val);
	else if (strcmp(key, "generation") == 0)
		st->generation = (uint32_t)number(val, 0, UINT32_MAX);
	else if (strcmp(key, "kcv") == 0)
		snprintf(st->kcv, sizeof st->kcv, "%s", val);
	else if (strcmp(key, "pid") == 0)
		st->pid = number(val, 0, INT32_MAX);
	else if (strcmp(key, "since") == 0)
		st->since = number(val, INT64_MIN, INT64_MAX);
	else if (strcmp(key, "account") == 0)
		snprintf(st->account, sizeof st->account, "%s", val);
	else if (strcmp(key, "activation") == 0)
		snprintf(st->activation, sizeof st->activation, "%s", val);
	else if (strcmp(key, "heartbeat") == 0)
		st->heartbeat = (int)number(val, 0, INT_MAX);
}

void rs_service_status_write(FILE *f, const rs_service_status *st)
{
	fprintf(f, "state=%s\n", st->state);
	fprintf(f, "activation=%s\n", st->activation);
	fprintf(f, "reason=%s\n", st->reason);
	fprintf(f, "generation=%" PRIu32 "\n", st->generation);
	fprintf(f, "kcv=%s\n", st->kcv);
	fprintf(f, "pid=%" PRId64 "\n", st->pid);
	fprintf(f, "since=%" PRId64 "\n", st->since);
	fprintf(f, "account=%s\n", st->account);
	fprintf(f, "heartbeat=%d\n", st->heartbeat);
}

#define TEST_DATASOURCE "test-datasource "

enum rs_service_request_kind rs_service_request_parse(const char *line,
    const char **arg)
{
	size_t n = strlen(TEST_DATASOURCE);

	*arg = NULL;
	if (strcmp(line, "status") == 0)
		return RS_REQUEST_STATUS;
	if (strncmp(line, TEST_DATASOURCE, n) == 0 && line[n] != '\0') {
		*arg = line + n;
		return RS_REQUEST_TEST_DATASOURCE;
	}
	return RS_REQUEST_UNKNOWN;
}

enum rs_service_request_kind rs_service_request_read(char *buf, size_t len,
    const char **arg)
{
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return rs_service_request_parse(buf, arg);
}

void rs_service_answer_write(FILE *f, const char *why)
{
	if (why == NULL)
		fprintf(f, "ok\n");
	else
		fprintf(f, "failed: %s\n", why);
}

void rs_service_unknown_write(FILE *f)
{
	rs_service_answer_write(f, _("unknown request (status, "
	    "test-datasource NAME)"));
}

int rs_service_test_request(const rs_config *cfg, const char *name,
    char *answer, size_t size, rs_error *err)
{
	char request[RS_NAME_MAX + 32];

	if (strpbrk(name, "\r\n") != NULL)
		return rs_err(err, RS_ERR_USAGE, _("a data source name is one "
		    "line"));
	snprintf(request, sizeof request, TEST_DATASOURCE "%s", name);
	return rs_service_request(cfg, request, answer, size, err);
}

void rs_service_status_parse(char *answer, rs_service_status *st)
{
	char *line, *save = NULL, *eq;

	for (line = strtok_r(answer, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		status_field(st, line, eq + 1);
	}
}

int rs_service_status_get(const rs_config *cfg, rs_service_status *st,
    rs_error *err)
{
	char answer[RS_SERVICE_ANSWER_MAX];
	pid_t pid = rs_service_pid(cfg);
	rs_error ignored = { 0 };

	memset(st, 0, sizeof st[0]);
	(void)err;
	st->running = pid != 0;
	st->pid = pid > 0 ? pid : 0;
	if (!st->running ||
	    rs_service_request(cfg, "status", answer, sizeof answer,
	    &ignored) != RS_OK)
		return RS_OK;
	st->answered = true;
	rs_service_status_parse(answer, st);
	return RS_OK;
}

/* ---- start, stop, reload ---- */

void rs_service_program(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(out, size, "%s/rsserverd", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, size, "%s/rsserverd", SBINDIR);
}

/* The grandchild runs rsserverd in its own session, so the tool (or the
 * TUI) that started it can exit without taking it along and never has a
 * zombie to reap. */
static void spawn_detached(char *const argv[], int out_fd)
{
	pid_t child = fork();
	int null;

	if (child != 0) {
		if (child > 0)
			while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
				;
		return;
	}
	if (fork() != 0)
		_exit(0);
	setsid();
	null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(out_fd, "rsserverd: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Keeps the tail of what rsserverd said before it took its log file. */
static bool drain(int fd, char *buf, size_t size)
{
	size_t used = strlen(buf);
	ssize_t n;

	if (used + 1 >= size) {
		memmove(buf, buf + used / 2, used - used / 2 + 1);
		used = strlen(buf);
	}
	n = read(fd, buf + used, size - 1 - used);
	if (n > 0) {
		buf[used + (size_t)n] = '\0';
		return true;
	}
	return n < 0 && (errno == EINTR || errno == EAGAIN);
}

static int start_failed(const rs_config *cfg, char *said, rs_error *err)
{
	size_t len = strlen(said);

	while (len > 0 && said[len - 1] == '\n')
		said[--len] = '\0';
	return rs_err(err, RS_ERR_FAILED, _("The report server service of %s\\%s "
	    "did not start: %s"), cfg->machine, cfg->instance,
	    said[0] ? said : _("it exited without a message"));
}

static int wait_ready(const rs_config *cfg, int fd, rs_error *err)
{
	char said[1024] = "";
	rs_service_status st;
	bool open_pipe = true;
	struct pollfd pfd = { fd, POLLIN, 0 };

	for (int waited = 0; waited < RS_SERVICE_WAIT_MS; waited += POLL_MS) {
		if (open_pipe && poll(&pfd, 1, POLL_MS) > 0)
			open_pipe = drain(fd, said, sizeof said);
		else if (!open_pipe)
			sleep_ms(POLL_MS);
		rs_service_status_get(cfg, &st, NULL);
		if (st.answered)
			return RS_OK;
		/* The pipe closes when rsserverd exits or takes its log file,
		 * which it does only once it holds the run lock. */
		if (!open_pipe && !st.running)
			return start_failed(cfg, said, err);
	}
	return rs_err(err, RS_ERR_FAILED, _("The report server service of %s\\%s "
	    "did not answer within %d seconds; see its log"), cfg->machine,
	    cfg->instance, RS_SERVICE_WAIT_MS / 1000);
}

static int start_directly(const rs_config *cfg, int heartbeat, rs_error *err)
{
	char prog[PATH_MAX], beat[16];
	char *argv[8];
	rs_service_paths p;
	int fds[2], rc, n = 0;

	rs_service_program(prog, sizeof prog);
	if (access(prog, X_OK) != 0)
		return rs_err(err, RS_ERR_NOT_FOUND, _("cannot run %s: %s"), prog,
		    strerror(errno));
	rs_service_paths_of(cfg, &p);
	snprintf(beat, sizeof beat, "%d", heartbeat);
	argv[n++] = prog;
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)cfg->path;
	argv[n++] = (char *)"--log-file";
	argv[n++] = p.log;
	if (heartbeat > 0) {
		argv[n++] = (char *)"--heartbeat";
		argv[n++] = beat;
	}
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot start %s: %s"), prog,
		    strerror(errno));
	spawn_detached(argv, fds[1]);
	close(fds[1]);
	rc = wait_ready(cfg, fds[0], err);
	close(fds[0]);
	return rc;
}

static int signal_failed(const rs_config *cfg, pid_t pid, rs_error *err);

/* ---- whom root signals ---- */

/* The run lock's pid is written by the service account: root never signals
 * it as such.  The pid to signal is the process listening on the
 * service's socket as the kernel reports it (SO_PEERCRED), else the
 * lock's; either only when /proc shows it is our rsserverd running as the
 * config's service account.  A pidfd, taken before the check, makes the
 * process checked the one signalled. */
static pid_t socket_peer(const rs_config *cfg)
{
	rs_service_paths p;
	struct ucred cred;
	socklen_t len = sizeof cred;
	pid_t pid = 0;
	int fd;

	rs_service_paths_of(cfg, &p);
	fd = rs_unix_connect(p.socket);
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		pid = cred.pid;
	close(fd);
	return pid;
}

/* Real, effective, saved and filesystem uid all the account's. */
static bool proc_runs_as(pid_t pid, uid_t uid)
{
	char path[64], line[256];
	unsigned long u[4];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "Uid: %lu %lu %lu %lu", &u[0], &u[1], &u[2],
		    &u[3]) == 4) {
			ok = u[0] == uid && u[1] == uid && u[2] == uid &&
			    u[3] == uid;
			break;
		}
	fclose(f);
	return ok;
}

/* The same file as our rsserverd, or (replaced by an upgrade while it
 * ran) the same path. */
static bool proc_is_rsserverd(pid_t pid)
{
	char link[64], exe[PATH_MAX], prog[PATH_MAX];
	struct stat a, b;
	ssize_t n;

	rs_service_program(prog, sizeof prog);
	snprintf(link, sizeof link, "/proc/%ld/exe", (long)pid);
	if (stat(link, &a) == 0 && stat(prog, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return true;
	n = readlink(link, exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
		exe[n - 10] = '\0';
	return strcmp(exe, prog) == 0;
}

static bool pid_verified_as(const char *account, pid_t pid)
{
	struct passwd *pw = getpwnam(account);

	return pid > 1 && pw != NULL && proc_runs_as(pid, pw->pw_uid) &&
	    proc_is_rsserverd(pid);
}

bool rs_service_pid_verified(const rs_config *cfg, pid_t pid)
{
	return pid_verified_as(cfg->service_account, pid);
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static int send_signal(int pidfd, pid_t pid, int sig)
{
#ifdef SYS_pidfd_send_signal
	if (pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#endif
	(void)pidfd;
	return kill(pid, sig);
}

static int not_the_service(const rs_config *cfg, pid_t pid, rs_error *err)
{
	rs_service_paths p;

	rs_service_paths_of(cfg, &p);
	return rs_err(err, RS_ERR_PERMISSION, _("not signalling pid %" PRId64
	    ": it is not the report server service of %s\\%s (rsserverd "
	    "running as %s); its run lock %s names it, and the service account "
	    "can write that file"), (int64_t)pid, cfg->machine, cfg->instance,
	    cfg->service_account, p.lock);
}

/* *pid: the process signalled (the socket's, if it differs from the
 * lock's). */
static int signal_service(const rs_config *cfg, pid_t *pid, int sig,
    rs_error *err)
{
	pid_t peer = socket_peer(cfg);
	int pidfd, rc;

	if (peer > 0)
		*pid = peer;
	pidfd = pidfd_of(*pid);
	if (!rs_service_pid_verified(cfg, *pid)) {
		if (pidfd >= 0)
			close(pidfd);
		return not_the_service(cfg, *pid, err);
	}
	rc = send_signal(pidfd, *pid, sig);
	if (pidfd >= 0)
		close(pidfd);
	return rc == 0 ? RS_OK : signal_failed(cfg, *pid, err);
}

/* Another member's service on this machine (issue 14): its pid comes
 * from its heartbeat row, which any member's account can write, so it is
 * signalled only through a pidfd taken before /proc shows it is our
 * rsserverd running as account.  At worst that is some instance's
 * rsserverd, which a SIGHUP only makes read the database again. */
int rs_service_signal_member(const char *account, int64_t pid, int sig,
    rs_error *err)
{
	int pidfd, rc;

	if (pid <= 1 || pid > INT32_MAX)
		return rs_err(err, RS_ERR_PERMISSION, _("pid %" PRId64 " is not "
		    "the report server service (rsserverd running as %s)"), pid,
		    account);
	pidfd = pidfd_of((pid_t)pid);
	if (!pid_verified_as(account, (pid_t)pid)) {
		if (pidfd >= 0)
			close(pidfd);
		return rs_err(err, RS_ERR_PERMISSION, _("pid %" PRId64 " is not "
		    "the report server service (rsserverd running as %s)"), pid,
		    account);
	}
	rc = send_signal(pidfd, (pid_t)pid, sig);
	if (pidfd >= 0)
		close(pidfd);
	if (rc == 0)
		return RS_OK;
	return rs_err(err, errno == EPERM ? RS_ERR_PERMISSION : RS_ERR_FAILED,
	    _("cannot signal the report server service (pid %" PRId64 "): %s"),
	    pid, strerror(errno));
}

static int signal_failed(const rs_config *cfg, pid_t pid, rs_error *err)
{
	if (errno == EPERM)
		return rs_err(err, RS_ERR_PERMISSION, _("not allowed to signal the "
		    "report server service of %s\\%s (pid %" PRId64 "): run as "
		    "root or as its service account, %s"), cfg->machine,
		    cfg->instance, (int64_t)pid, cfg->service_account);
	return rs_err(err, RS_ERR_FAILED, _("cannot signal the report server "
	    "service (pid %" PRId64 "): %s"), (int64_t)pid, strerror(errno));
}

/* The run lock goes a moment before the process: wait for that too, but
 * not for long (a zombie nobody reaps stays "alive" to kill(0)). */
static void wait_exit(pid_t pid)
{
	for (int waited = 0; waited < 2000; waited += 10) {
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return;
		sleep_ms(10);
	}
}

static int stop_directly(const rs_config *cfg, pid_t pid, rs_error *err)
{
	int rc;

	if (pid == 0)
		return RS_OK;
	if (pid < 0)
		return rs_err(err, RS_ERR_PERMISSION, _("The report server service "
		    "of %s\\%s runs, but its run lock cannot be read: run as root "
		    "or as its service account, %s"), cfg->machine, cfg->instance,
		    cfg->service_account);
	rc = signal_service(cfg, &pid, SIGTERM, err);
	if (rc != RS_OK)
		return rc;
	for (int waited = 0; waited < RS_SERVICE_WAIT_MS; waited += POLL_MS) {
		if (rs_service_pid(cfg) == 0) {
			wait_exit(pid);
			return RS_OK;
		}
		sleep_ms(POLL_MS);
	}
	return rs_err(err, RS_ERR_FAILED, _("The report server service (pid %"
	    PRId64 ") did not stop within %d seconds."), (int64_t)pid,
	    RS_SERVICE_WAIT_MS / 1000);
}

static int reload_directly(const rs_config *cfg, pid_t pid, rs_error *err)
{
	if (pid > 0)
		return signal_service(cfg, &pid, SIGHUP, err);
	return RS_OK;
}

static int systemctl_failed(const rs_config *cfg, const char *verb,
    const char *unit, const char *said, rs_error *err)
{
	return rs_err(err, RS_ERR_FAILED, _("The report server service of "
	    "%s\\%s: systemctl %s %s failed: %s"), cfg->machine, cfg->instance,
	    verb, unit, said[0] ? said : _("it exited without a message"));
}

static const char *const action_verbs[] = { "start", "stop", "reload" };

/* systemd waits for READY=1 (start) and for the exit (stop).  A service
 * still holding the run lock afterwards was started beside systemd (by an
 * older version): it is stopped or reloaded directly. */
static int control_by_systemd(const rs_config *cfg, rs_service_action action,
    rs_service_done *done, rs_error *err)
{
	const char *verb = action_verbs[action];
	char said[512];
	int status = rs_systemctl(verb, done->unit, said, sizeof said);
	pid_t pid;

	if (status != 0 && action == RS_SERVICE_START)
		return systemctl_failed(cfg, verb, done->unit, said, err);
	pid = rs_service_pid(cfg);
	if (action == RS_SERVICE_STOP && pid != 0) {
		done->by_systemd = false;
		return stop_directly(cfg, pid, err);
	}
	if (action == RS_SERVICE_RELOAD && status != 0) {
		done->by_systemd = false;
		return reload_directly(cfg, pid, err);
	}
	return RS_OK;
}

int rs_service_control(const rs_config *cfg, rs_service_action action,
    int heartbeat, rs_service_done *done, rs_error *err)
{
	pid_t pid = rs_service_pid(cfg);

	memset(done, 0, sizeof *done);
	done->was_running = pid != 0;
	if (action == RS_SERVICE_START && pid != 0)
		return rs_err(err, RS_ERR_STATE, _("The report server service of "
		    "%s\\%s is already running (pid %" PRId64 ")."), cfg->machine,
		    cfg->instance, (int64_t)pid);
	/* Nothing to reload; a stopped unit is stopped again (it may be
	 * waiting to restart). */
	if (action == RS_SERVICE_RELOAD && pid == 0)
		return RS_OK;
	done->by_systemd = rs_service_unit(cfg, done->unit, sizeof done->unit);
	if (done->by_systemd)
		return control_by_systemd(cfg, action, done, err);
	if (action == RS_SERVICE_START)
		return start_directly(cfg, heartbeat, err);
	if (action == RS_SERVICE_STOP)
		return stop_directly(cfg, pid, err);
	return reload_directly(cfg, pid, err);
}

void rs_service_done_how(const rs_service_done *done, char *out, size_t size)
{
	if (done->by_systemd)
		snprintf(out, size, _("through systemctl (%s)"), done->unit);
	else
		snprintf(out, size, "%s", _("directly (systemd does not run this "
		    "instance)"));
}

int rs_service_start(const rs_config *cfg, int heartbeat, rs_error *err)
{
	rs_service_done done;

	return rs_service_control(cfg, RS_SERVICE_START, heartbeat, &done, err);
}

int rs_service_stop(const rs_config *cfg, bool *was_running, rs_error *err)
{
	rs_service_done done;
	int rc = rs_service_control(cfg, RS_SERVICE_STOP, 0, &done, err);

	if (was_running)
		*was_running = done.was_running;
	return rc;
}

int rs_service_reload(const rs_config *cfg, bool *sent, rs_error *err)
{
	rs_service_done done;
	int rc = rs_service_control(cfg, RS_SERVICE_RELOAD, 0, &done, err);

	if (sent)
		*sent = rc == RS_OK && done.was_running;
	return rc;
}
