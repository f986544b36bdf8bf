/* SPDX-License-Identifier: ISC */
/* keystore.c: the instance's private key on disk.
 *
 * The key file is protected by its owner and mode only (as the service
 * profile protects SSRS's key), so anything looser than 0700/0600 is refused
 * rather than silently repaired: the admin must know the key was exposed. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_write.h"
#include "keystore.h"
#include "secret.h"

#define KEY_SUFFIX ".key"
#define PENDING_SUFFIX ".key.pending"
#define KEY_FILE_MAX (64 * 1024)

/* The installation id becomes a file name: keep it to one plain component. */
static int id_check(const char *id, rs_error *err)
{
	if (id == NULL || id[0] == '\0' || id[0] == '.' || strchr(id, '/')
	    || strlen(id) > NAME_MAX - sizeof PENDING_SUFFIX)
		return rs_err(err, RS_ERR_CONFIG,
		    _("invalid installation id \"%s\" for the key store"),
		    id ? id : "");
	return RS_OK;
}

static int key_path(char *out, const char *dir, const char *id,
    const char *suffix, rs_error *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, id, suffix);

	if (n < 0 || n >= PATH_MAX)
		return rs_err(err, RS_ERR_CONFIG,
		    _("key store path too long: %s"), dir);
	return RS_OK;
}

static bool is_key_name(const char *name)
{
	size_t n = strlen(name), k = strlen(KEY_SUFFIX),
	    p = strlen(PENDING_SUFFIX);

	if (name[0] == '.')
		return false;
	return (n > k && strcmp(name + n - k, KEY_SUFFIX) == 0)
	    || (n > p && strcmp(name + n - p, PENDING_SUFFIX) == 0);
}

static int fsync_dir(const char *dir, rs_error *err)
{
	if (rs_fsync_dir(dir) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot sync folder %s: %s"),
		    dir, strerror(errno));
	return RS_OK;
}

/* ---- permission checks ---- */

static int check_dir_stat(const char *dir, const struct stat *st,
    rs_error *err)
{
	if (!S_ISDIR(st->st_mode))
		return rs_err(err, RS_ERR_CONFIG,
		    _("the key store %s is not a folder; check \"keystore\" in the config"),
		    dir);
	if ((st->st_mode & 077) != 0)
		return rs_err(err, RS_ERR_PERMISSION,
		    _("the key store folder %s is open to other users (mode %03o); the private key may have been exposed. Fix with: chmod 700 %s"),
		    dir, (unsigned)(st->st_mode & 0777), dir);
	return RS_OK;
}

static int check_file_stat(const char *path, const struct stat *st,
    rs_error *err)
{
	if (!S_ISREG(st->st_mode))
		return rs_err(err, RS_ERR_PERMISSION,
		    _("%s is not a regular file; remove it or replace it with the instance's key file"),
		    path);
	if ((st->st_mode & 077) != 0)
		return rs_err(err, RS_ERR_PERMISSION,
		    _("the key file %s is open to other users (mode %03o); the private key may have been exposed. Fix with: chmod 600 %s"),
		    path, (unsigned)(st->st_mode & 0777), path);
	return RS_OK;
}

static int check_owner(const char *dir, const char *path,
    const struct stat *st, const struct passwd *pw, rs_error *err)
{
	if (st->st_uid == pw->pw_uid)
		return RS_OK;
	return rs_err(err, RS_ERR_PERMISSION,
	    _("%s is not owned by the service account %s; the service could not read its key. Fix with: chown %s %s%s%s"),
	    path, pw->pw_name, pw->pw_name, dir, path != dir ? " " : "",
	    path != dir ? path : "");
}

static int lookup_account(const char *account, struct passwd **pw,
    rs_error *err)
{
	errno = 0;
	*pw = getpwnam(account);
	if (*pw == NULL)
		return rs_err(err, RS_ERR_NOT_FOUND,
		    _("no such user \"%s\" for the service account; create it with useradd, or fix \"service_account\" in the config"),
		    account);
	return RS_OK;
}

/* Checks every key file in dir (an open directory). */
static int check_files(const char *dir, DIR *d, const struct passwd *pw,
    rs_error *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = RS_OK;

	while (rc == RS_OK && (de = readdir(d)) != NULL) {
		if (!is_key_name(de->d_name))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name)
		    >= (int)sizeof path)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;   /* vanished meanwhile */
		rc = check_file_stat(path, &st, err);
		if (rc == RS_OK && pw != NULL)
			rc = check_owner(dir, path, &st, pw, err);
	}
	return rc;
}

int rs_keystore_check(const char *dir, const char *account, rs_error *err)
{
	struct passwd *pw = NULL;
	struct stat st;
	DIR *d;
	int rc;

	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return rs_err(err, RS_ERR_NOT_FOUND,
			    _("the key store %s does not exist; initialize the instance first"),
			    dir);
		return rs_err(err, RS_ERR_PERMISSION,
		    _("cannot read the key store %s: %s"), dir, strerror(errno));
	}
	rc = check_dir_stat(dir, &st, err);
	if (rc != RS_OK)
		return rc;
	/* Ownership only matters where we could set it: as root. */
	if (account != NULL && geteuid() == 0) {
		rc = lookup_account(account, &pw, err);
		if (rc == RS_OK)
			rc = check_owner(dir, dir, &st, pw, err);
		if (rc != RS_OK)
			return rc;
	}
	d = opendir(dir);
	if (d == NULL)
		return rs_err(err, RS_ERR_PERMISSION,
		    _("cannot list the key store %s: %s"), dir, strerror(errno));
	rc = check_files(dir, d, pw, err);
	closedir(d);
	return rc;
}

/* ---- reading ---- */

/* Reads a key file into secret memory after checking its mode. */
static int read_key_file(const char *path, char **buf, size_t *len,
    rs_error *err)
{
	struct stat st;
	ssize_t got;
	int fd, rc;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return rs_err(err, RS_ERR_NOT_FOUND,
			    _("no private key at %s; initialize the instance first"),
			    path);
		return rs_err(err, errno == ELOOP ? RS_ERR_PERMISSION : RS_ERR_IO,
		    _("cannot open the key file %s: %s"), path, strerror(errno));
	}
	rc = fstat(fd, &st) != 0
	    ? rs_err(err, RS_ERR_IO, _("cannot read %s: %s"), path, strerror(errno))
	    : check_file_stat(path, &st, err);
	if (rc == RS_OK && st.st_size > KEY_FILE_MAX)
		rc = rs_err(err, RS_ERR_CRYPTO,
		    _("the key file %s is too large to be a private key"), path);
	if (rc == RS_OK && (*buf = rs_secret_alloc((size_t)st.st_size + 1)) == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc == RS_OK) {
		got = read(fd, *buf, (size_t)st.st_size + 1);
		if (got < 0)
			rc = rs_err(err, RS_ERR_IO, _("cannot read %s: %s"),
			    path, strerror(errno));
		else
			*len = (size_t)got;
	}
	close(fd);
	if (rc != RS_OK) {
		rs_secret_free(*buf, 0);
		*buf = NULL;
	}
	return rc;
}

static int load_suffix(const char *dir, const char *id, const char *suffix,
    rs_keypair **out, rs_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = id_check(id, err)) != RS_OK
	    || (rc = key_path(path, dir, id, suffix, err)) != RS_OK)
		return rc;
	if (stat(dir, &st) != 0)
		return rs_err(err, errno == ENOENT ? RS_ERR_NOT_FOUND : RS_ERR_IO,
		    _("cannot open the key store %s: %s"), dir, strerror(errno));
	if ((rc = check_dir_stat(dir, &st, err)) != RS_OK
	    || (rc = read_key_file(path, &pem, &len, err)) != RS_OK)
		return rc;
	rc = rs_keypair_from_pem(pem, len, out, err);
	rs_secret_free(pem, len);
	if (rc != RS_OK) {
		rs_err_clear(err);
		rc = rs_err(err, RS_ERR_CRYPTO,
		    _("the key file %s is damaged or is not a private key; restore it from the service account's backup, or remove it and re-initialize (this instance then waits to join again)"),
		    path);
	}
	return rc;
}

int rs_keystore_load(const char *dir, const char *installation_id,
    rs_keypair **out, rs_error *err)
{
	return load_suffix(dir, installation_id, KEY_SUFFIX, out, err);
}

int rs_keystore_load_pending(const char *dir, const char *installation_id,
    rs_keypair **out, rs_error *err)
{
	return load_suffix(dir, installation_id, PENDING_SUFFIX, out, err);
}

/* ---- writing ---- */

/* mkdir -p: parents 0755 (like /var/lib), the key store itself 0700. */
static int make_dir(const char *dir, rs_error *err)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return rs_err(err, RS_ERR_CONFIG, _("key store path too long: %s"),
		    dir);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return rs_err(err, RS_ERR_IO,
			    _("cannot create folder %s: %s"), buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return rs_err(err, RS_ERR_IO,
		    _("cannot create the key store %s: %s"), dir, strerror(errno));
	return RS_OK;
}

/* Temp file (.key.XXXXXX, 0600, the account's) in dir, renamed over path. */
static int write_atomic(const char *dir, const char *path, const char *data,
    size_t len, const struct passwd *pw, rs_error *err)
{
	rs_atomic_file f = { .path = path, .dir = dir, .temp = ".key",
		.mode = 0600, .replace = true };

	if (pw != NULL) {
		f.owner = RS_OWNER_SET;
		f.uid = pw->pw_uid;
		f.gid = pw->pw_gid;
	}
	switch (rs_atomic_write(&f, data, len, err)) {
	case RS_ATOMIC_DONE:
		return RS_OK;
	case RS_ATOMIC_TOO_LONG:
		return rs_err(err, RS_ERR_CONFIG, _("key store path too long: %s"),
		    dir);
	case RS_ATOMIC_CREATE:
		return rs_err(err, RS_ERR_IO,
		    _("cannot create a file in the key store %s: %s"), dir,
		    strerror(errno));
	case RS_ATOMIC_NAME:
		return rs_err(err, RS_ERR_IO,
		    _("cannot put the key file %s in place: %s"), path,
		    strerror(errno));
	case RS_ATOMIC_SYNC_DIR:
		return rs_err(err, RS_ERR_IO, _("cannot sync folder %s: %s"),
		    dir, strerror(errno));
	case RS_ATOMIC_WRITE:
	case RS_ATOMIC_VERIFY:   /* no hook */
	default:
		return rs_err(err, RS_ERR_IO, _("cannot write the key file %s: %s"),
		    path, strerror(errno));
	}
}

static int save_suffix(const char *dir, const char *id, const char *account,
    const rs_keypair *kp, const char *suffix, rs_error *err)
{
	char path[PATH_MAX];
	struct passwd *pw = NULL;
	struct stat st;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if ((rc = id_check(id, err)) != RS_OK
	    || (rc = key_path(path, dir, id, suffix, err)) != RS_OK)
		return rc;
	if (account != NULL && geteuid() == 0
	    && (rc = lookup_account(account, &pw, err)) != RS_OK)
		return rc;
	if ((rc = make_dir(dir, err)) != RS_OK)
		return rc;
	if (stat(dir, &st) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the key store %s: %s"),
		    dir, strerror(errno));
	if ((rc = check_dir_stat(dir, &st, err)) != RS_OK)
		return rc;
	/* A pending key (service-account change) must not give the folder
	 * away yet: until the database commits, the old account still owns
	 * the instance, and a crash before that commit would leave a key
	 * store its own account may not use.  rs_keystore_chown hands the
	 * folder over once the change is committed. */
	if (pw != NULL && strcmp(suffix, PENDING_SUFFIX) != 0
	    && chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return rs_err(err, RS_ERR_PERMISSION,
		    _("cannot give the key store %s to %s: %s"), dir,
		    pw->pw_name, strerror(errno));
	if ((rc = rs_keypair_to_pem(kp, &pem, &len, err)) != RS_OK)
		return rc;
	rc = write_atomic(dir, path, pem, len, pw, err);
	rs_secret_free(pem, len);
	return rc;
}

int rs_keystore_save(const char *dir, const char *installation_id,
    const char *account, const rs_keypair *kp, rs_error *err)
{
	return save_suffix(dir, installation_id, account, kp, KEY_SUFFIX, err);
}

int rs_keystore_save_pending(const char *dir, const char *installation_id,
    const char *account, const rs_keypair *kp, rs_error *err)
{
	return save_suffix(dir, installation_id, account, kp, PENDING_SUFFIX,
	    err);
}

int rs_keystore_commit_pending(const char *dir, const char *installation_id,
    rs_error *err)
{
	char pending[PATH_MAX], path[PATH_MAX];
	int rc;

	if ((rc = id_check(installation_id, err)) != RS_OK
	    || (rc = key_path(pending, dir, installation_id, PENDING_SUFFIX,
	    err)) != RS_OK
	    || (rc = key_path(path, dir, installation_id, KEY_SUFFIX, err))
	    != RS_OK)
		return rc;
	if (rename(pending, path) != 0) {
		if (errno == ENOENT)
			return rs_err(err, RS_ERR_NOT_FOUND,
			    _("no pending key at %s to put in place"), pending);
		return rs_err(err, RS_ERR_IO, _("cannot rename %s to %s: %s"),
		    pending, path, strerror(errno));
	}
	return fsync_dir(dir, err);
}

void rs_keystore_discard_pending(const char *dir, const char *installation_id)
{
	char pending[PATH_MAX];

	if (id_check(installation_id, NULL) != RS_OK
	    || key_path(pending, dir, installation_id, PENDING_SUFFIX, NULL)
	    != RS_OK)
		return;
	if (unlink(pending) == 0)
		(void)fsync_dir(dir, NULL);
}

/* ---- ownership ---- */

static int chown_files(const char *dir, const struct passwd *pw,
    rs_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = RS_OK;

	if (d == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot list the key store %s: %s"),
		    dir, strerror(errno));
	while (rc == RS_OK && (de = readdir(d)) != NULL) {
		if (!is_key_name(de->d_name))
			continue;
		/* Never follow a link planted in the folder. */
		if (fchownat(dirfd(d), de->d_name, pw->pw_uid, pw->pw_gid,
		    AT_SYMLINK_NOFOLLOW) != 0)
			rc = rs_err(err, RS_ERR_PERMISSION,
			    _("cannot give %s/%s to %s: %s"), dir, de->d_name,
			    pw->pw_name, strerror(errno));
	}
	closedir(d);
	return rc;
}

int rs_keystore_chown(const char *dir, const char *account, bool *changed,
    rs_error *err)
{
	struct passwd *pw;
	int rc;

	*changed = false;
	if (geteuid() != 0)
		return RS_OK;
	if ((rc = lookup_account(account, &pw, err)) != RS_OK)
		return rc;
	if (chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return rs_err(err, errno == ENOENT ? RS_ERR_NOT_FOUND
		    : RS_ERR_PERMISSION, _("cannot give the key store %s to %s: %s"),
		    dir, account, strerror(errno));
	rc = chown_files(dir, pw, err);
	if (rc == RS_OK)
		*changed = true;
	return rc;
}
