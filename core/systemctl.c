/* SPDX-License-Identifier: ISC */
/* systemctl.c: reaching an instance's service through systemd, as
 * pg_ctlcluster does, when systemd runs and the unit rsserverd@NAME would
 * run exactly this config (see service.h).  A service started beside
 * systemd would hold the run lock and make the enabled unit fail "busy".
 *
 * No environment variable or option redirects any of this: systemctl is
 * found in a fixed list of absolute paths and "systemd runs" is the
 * sd_booted() test, so nobody can make root run a program of their
 * choosing here.  The tests (tests/service/systemctl.sh) use a mount
 * namespace instead, with a stand-in bound over the real systemctl. */
#include "i18n.h"   /* first: <config.h> turns on the GNU extensions */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "service.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define UNIT_CONFIG_DIR SYSCONFDIR "/rsconfig/"

static const char *const systemctl_paths[] = {
	"/usr/bin/systemctl", "/bin/systemctl",
};

static const char *systemctl_program(void)
{
	for (size_t i = 0; i < sizeof systemctl_paths / sizeof *systemctl_paths;
	    i++)
		if (access(systemctl_paths[i], X_OK) == 0)
			return systemctl_paths[i];
	return NULL;
}

/* sd_booted(): systemd is PID 1 */
static bool systemd_runs(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* NAME when path is the unit's config, SYSCONFDIR/rsconfig/NAME.conf
 * (ExecStart=rsserverd -c SYSCONFDIR/rsconfig/%I.conf). */
static bool unit_config_name(const char *path, char *name, size_t size)
{
	size_t dir = strlen(UNIT_CONFIG_DIR), len = strlen(path);

	if (len <= dir + 5 || strncmp(path, UNIT_CONFIG_DIR, dir) != 0 ||
	    strcmp(path + len - 5, ".conf") != 0 ||
	    memchr(path + dir, '/', len - dir) != NULL ||
	    len - dir - 5 >= size)
		return false;
	snprintf(name, size, "%.*s", (int)(len - dir - 5), path + dir);
	return true;
}

/* systemd-escape: %I gives NAME back. */
static bool unit_escape(const char *name, char *out, size_t size)
{
	size_t used = 0;
	int n;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == ':' || *c == '_' ||
		    (*c == '.' && c != (const unsigned char *)name))
			n = snprintf(out + used, size - used, "%c", *c);
		else
			n = snprintf(out + used, size - used, "\\x%02x", *c);
		if (n < 0 || (size_t)n >= size - used)
			return false;
		used += (size_t)n;
	}
	return used > 0;
}

/* Keeps what it said on stderr (its reason on failure), trimmed. */
static void read_said(int fd, char *said, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size &&
	    ((n = read(fd, said + used, size - 1 - used)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			used += (size_t)n;
	said[used] = '\0';
	while (used > 0 && (said[used - 1] == '\n' || said[used - 1] == ' '))
		said[--used] = '\0';
}

static void systemctl_child(const char *prog, char *const argv[], int errfd)
{
	int null = open("/dev/null", O_RDWR);

	/* No terminal on stdin: systemctl asks no password (the TUI owns
	 * the screen). */
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(errfd, STDERR_FILENO);
	execv(prog, argv);
	dprintf(errfd, "%s: %s\n", prog, strerror(errno));
	_exit(127);
}

int rs_systemctl(const char *verb, const char *unit, char *said, size_t size)
{
	const char *prog = systemctl_program();
	char *argv[] = { (char *)"systemctl", (char *)verb, (char *)unit, NULL };
	int fds[2], status = -1;
	pid_t pid;

	said[0] = '\0';
	if (prog == NULL || pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid == 0)
		systemctl_child(prog, argv, fds[1]);
	close(fds[1]);
	if (pid > 0)
		read_said(fds[0], said, size);
	close(fds[0]);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool rs_service_unit(const rs_config *cfg, char *unit, size_t size)
{
	char name[256], escaped[sizeof name * 4], said[256];

	if (!systemd_runs() || systemctl_program() == NULL ||
	    !unit_config_name(cfg->path, name, sizeof name) ||
	    !unit_escape(name, escaped, sizeof escaped) ||
	    (size_t)snprintf(unit, size, "rsserverd@%s.service", escaped) >= size)
		return false;
	/* Installed: systemctl finds the unit file (rsserverd@.service). */
	return rs_systemctl("cat", unit, said, sizeof said) == 0;
}
