/* SPDX-License-Identifier: ISC */
/* audit_who.c: who acts, from which terminal and which SSH client, for the
 * audit log.
 *
 * The SSH client is read from the connection itself: walk up the parent
 * processes to the sshd session that holds the TCP socket and look that
 * socket's inode up in /proc/net/tcp{,6} (a root-owned sshd only).  Only when that cannot be read
 * (an unprivileged caller cannot see sshd's descriptors) is $SSH_CONNECTION
 * used, and only inside a login session; such a record says from_env=,
 * since the invoker could have set the variable. */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit_who.h"
#include "users.h"

#define UNSET_ID 4294967295UL

static const char *proc_root = "/proc";

void rs_audit_set_proc_root(const char *root)
{
	proc_root = root ? root : "/proc";
}

/* Reads the first line of proc_root/rel into buf; 0 on success. */
static int proc_read(const char *rel, char *buf, size_t size)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/%s", proc_root, rel);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

static bool proc_id(const char *rel, unsigned long *out)
{
	char buf[64], *end;

	if (proc_read(rel, buf, sizeof buf) != 0)
		return false;
	*out = strtoul(buf, &end, 10);
	return end != buf && *out != UNSET_ID;
}

/* sudo's SUDO_UID counts only when the real uid is root (sudo ran us):
 * anyone else could set it. */
void rs_who_person(char *out, size_t size)
{
	const char *sudo_uid = getenv("SUDO_UID"), *sudo_user;
	unsigned long uid;
	char *end;

	if (getuid() == 0 && sudo_uid != NULL && *sudo_uid != '\0') {
		uid = strtoul(sudo_uid, &end, 10);
		if (*end == '\0') {
			rs_user_name((uid_t)uid, out, size, RS_USER_RECORD);
			return;
		}
	}
	sudo_user = getenv("SUDO_USER");
	if (getuid() == 0 && sudo_user != NULL && *sudo_user != '\0') {
		snprintf(out, size, "%s", sudo_user);
		return;
	}
	if (!proc_id("self/loginuid", &uid))
		uid = (unsigned long)getuid();
	rs_user_name((uid_t)uid, out, size, RS_USER_RECORD);
}

void rs_who_tty(char *out, size_t size)
{
	const char *name = NULL;
	int fd;

	for (fd = 0; fd <= 2 && name == NULL; fd++)
		name = ttyname(fd);
	if (name == NULL) {
		/* The controlling terminal, when no standard stream is one. */
		fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			name = ttyname(fd);
			if (name != NULL)
				snprintf(out, size, "%s", name + (strncmp(name,
				    "/dev/", 5) == 0 ? 5 : 0));
			close(fd);
			if (name != NULL)
				return;
		}
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%s", name + (strncmp(name, "/dev/", 5) == 0 ? 5 : 0));
}

/* The parent pid and whether the process is an sshd session. */
static int proc_parent(long pid, long *ppid, bool *sshd)
{
	char rel[64], buf[1024], *open_paren, *close_paren;
	size_t n;

	if (pid == 0)
		snprintf(rel, sizeof rel, "self/stat");
	else
		snprintf(rel, sizeof rel, "%ld/stat", pid);
	if (proc_read(rel, buf, sizeof buf) != 0)
		return -1;
	/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -1;
	n = (size_t)(close_paren - open_paren - 1);
	*sshd = (n == 4 && strncmp(open_paren + 1, "sshd", 4) == 0) ||
	    (n == 12 && strncmp(open_paren + 1, "sshd-session", 12) == 0);
	if (sscanf(close_paren + 1, " %*c %ld", ppid) != 1)
		return -1;
	return 0;
}

/* "0100007F:1F90" (tcp) or 32 hex digits (tcp6) to text. */
static int addr_text(const char *hex, char *out, size_t size)
{
	unsigned char a[16];
	unsigned int w[4];
	size_t len = strcspn(hex, ":");

	if (len == 8 && sscanf(hex, "%8x", &w[0]) == 1)
		return inet_ntop(AF_INET, &w[0], out, (socklen_t)size) ? 0 : -1;
	if (len != 32 || sscanf(hex, "%8x%8x%8x%8x", &w[0], &w[1], &w[2],
	    &w[3]) != 4)
		return -1;
	memcpy(a, w, sizeof a);   /* each word in host order, as the kernel */
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)size) ? 0 : -1;
	return inet_ntop(AF_INET6, a, out, (socklen_t)size) ? 0 : -1;
}

/* The peer of the established TCP socket with this inode, if any. */
static int socket_peer(unsigned long inode, char *out, size_t size)
{
	static const char *const tables[] = { "net/tcp", "net/tcp6" };
	char path[512], line[512], remote[64];
	unsigned long ino;
	unsigned int st;
	int found = -1;

	for (size_t t = 0; t < 2 && found != 0; t++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", proc_root, tables[t]);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (found != 0 && fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, " %*s %*s %63s %x %*s %*s %*s %*s %*s %lu",
			    remote, &st, &ino) == 3 && ino == inode && st == 1)
				found = addr_text(remote, out, size);
		fclose(f);
	}
	return found;
}

/* The SSH client of sshd process pid: its socket descriptors' peers. */
static int sshd_peer(long pid, char *out, size_t size)
{
	char rel[512], link[128];
	struct dirent *d;
	unsigned long inode;
	DIR *dir;
	ssize_t n;
	int found = -1;

	snprintf(rel, sizeof rel, "%s/%ld/fd", proc_root, pid);
	if ((dir = opendir(rel)) == NULL)
		return -1;
	while (found != 0 && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof rel, "%s/%ld/fd/%s", proc_root, pid,
		    d->d_name);
		n = readlink(rel, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			found = socket_peer(inode, out, size);
	}
	closedir(dir);
	return found;
}

/* Only a root-owned sshd counts (the session's privileged monitor holds
 * the connection too): a user's own program named "sshd" could hold any
 * connection it likes. */
static bool owned_by_root(long pid)
{
	char path[512], line[256];
	unsigned long ruid = 1, euid = 1;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "%s/%ld/status", proc_root, pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = sscanf(line, "Uid: %lu %lu", &ruid, &euid) == 2;
	fclose(f);
	return found && ruid == 0 && euid == 0;
}

/* 1 when found, 0 when no sshd is among the parents, -1 when one is but
 * its connection cannot be read. */
static int from_parents(char *out, size_t size)
{
	long pid = 0, ppid;
	bool sshd, seen = false;

	for (int depth = 0; depth < 64; depth++) {
		if (proc_parent(pid, &ppid, &sshd) != 0)
			break;
		if (sshd) {
			seen = true;
			if (owned_by_root(pid) && sshd_peer(pid, out, size) == 0)
				return 1;
		}
		if (ppid <= 1)
			break;
		pid = ppid;
	}
	return seen ? -1 : 0;
}

static bool in_login_session(void)
{
	unsigned long id;

	return proc_id("self/loginuid", &id) && proc_id("self/sessionid", &id);
}

static bool from_environment(char *out, size_t size)
{
	const char *env = getenv("SSH_CONNECTION");
	size_t n;

	if (env == NULL || *env == '\0')
		env = getenv("SSH_CLIENT");
	if (env == NULL || *env == '\0' || !in_login_session())
		return false;
	n = strcspn(env, " \t");
	if (n >= size)
		n = size - 1;
	memcpy(out, env, n);
	out[n] = '\0';
	return true;
}

void rs_who_from(char *out, size_t size, bool *from_env)
{
	*from_env = false;
	if (from_parents(out, size) == 1)
		return;
	if (from_environment(out, size)) {
		*from_env = true;
		return;
	}
	snprintf(out, size, "local");
}
