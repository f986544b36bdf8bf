/* SPDX-License-Identifier: ISC */
/* instance.c: the instance config file (the analogue of RSReportServer.config).
 *
 * Strict on purpose: a typo in a key name must not silently leave a setting
 * at some default, because the settings say which database and which key
 * store a key operation touches. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "atomic_write.h"
#include "i18n.h"
#include "instance.h"
#include "store_internal.h"
#include "users.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
/* configure's --runstatedir (Makefile.am); logs go where admins look. */
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOGDIR
#define LOGDIR "/var/log"
#endif

enum key_kind { KIND_UUID, KIND_NAME, KIND_PATH, KIND_BACKEND, KIND_CONNINFO };

struct config_key {
	const char *name;
	size_t offset;
	size_t size;
	enum key_kind kind;
	bool optional;       /* written only when set */
};

#define KEY(field, kind, optional) { #field, offsetof(rs_config, field), \
	sizeof(((rs_config *)0)->field), kind, optional }
static const struct config_key config_keys[] = {
	KEY(installation_id, KIND_UUID, false),
	KEY(machine, KIND_NAME, true),
	KEY(instance, KIND_NAME, false),
	KEY(database, KIND_PATH, false),
	KEY(service_account, KIND_NAME, false),
	KEY(keystore, KIND_PATH, false),
	KEY(backend, KIND_BACKEND, true),
	KEY(connection, KIND_CONNINFO, true),
	KEY(pgpassfile, KIND_PATH, true),
	KEY(runtime, KIND_PATH, true),
	KEY(audit_log, KIND_PATH, true),
};
#undef KEY
#define NKEYS (sizeof config_keys / sizeof config_keys[0])

static char *field_of(rs_config *cfg, const struct config_key *k)
{
	return (char *)cfg + k->offset;
}

static const char *field_const(const rs_config *cfg, const struct config_key *k)
{
	return (const char *)cfg + k->offset;
}

bool rs_config_is_postgresql(const rs_config *cfg)
{
	return strcmp(cfg->backend, RS_BACKEND_POSTGRESQL) == 0;
}

/* Where "password" is followed by optional blanks and '=': a conninfo
 * keyword, or a URI query parameter. */
#define RS_CONNINFO_MAX_DECODE 4096

static bool has_password_keyword(const char *s)
{
	const char *p;

	for (p = strcasestr(s, "password"); p != NULL;
	    p = strcasestr(p + 1, "password")) {
		const char *q = p + 8;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=')
			return true;
	}
	return false;
}

/* postgresql://user:secret@host/db: a password in the URI's user part. */
static bool has_uri_password(const char *s)
{
	const char *start, *end, *at, *colon;

	if (strncmp(s, "postgresql://", 13) == 0)
		start = s + 13;
	else if (strncmp(s, "postgres://", 11) == 0)
		start = s + 11;
	else
		return false;
	end = start + strcspn(start, "/?");
	at = memchr(start, '@', (size_t)(end - start));
	if (at == NULL)
		return false;
	colon = memchr(start, ':', (size_t)(at - start));
	return colon != NULL;
}

/* libpq decodes %XX in a URI's parameter names too (?pass%77ord=). */
static bool has_encoded_password(const char *s)
{
	char plain[RS_CONNINFO_MAX_DECODE];
	size_t o = 0;
	unsigned int c;

	for (; *s && o + 1 < sizeof plain; s++)
		if (*s == '%' && sscanf(s + 1, "%2x", &c) == 1 && s[1] && s[2]) {
			plain[o++] = (char)c;
			s += 2;
		} else {
			plain[o++] = *s;
		}
	plain[o] = '\0';
	return has_password_keyword(plain) || has_uri_password(plain);
}

#if HAVE_POSTGRESQL
/* Weak: a build of this file alone (the config fuzz target) has no store. */
#pragma weak rs_pg_conninfo_check
#endif

/* libpq's own parser when libpq is there (the store opens it to connect);
 * without it, the text checks below stand in. */
int rs_config_check_connection(const char *conninfo, rs_error *err)
{
	if (conninfo == NULL || conninfo[0] == '\0')
		return rs_err(err, RS_ERR_CONFIG, _("the PostgreSQL connection is "
		    "empty"));
#if HAVE_POSTGRESQL
	if (rs_pg_conninfo_check != NULL) {
		bool judged = false;
		int rc = rs_pg_conninfo_check(conninfo, &judged, err);

		if (judged)
			return rc;
	}
#endif
	if (has_password_keyword(conninfo) || has_uri_password(conninfo) ||
	    has_encoded_password(conninfo))
		return rs_err(err, RS_ERR_CONFIG, _("the PostgreSQL connection "
		    "holds a password; remove it and put the password in a pgpass "
		    "file (pgpassfile = PATH in the config, PGPASSFILE or "
		    "~/.pgpass, mode 0600) or in the service file"));
	return RS_OK;
}

const char *rs_config_default_path(void)
{
	const char *env = getenv("RSCONFIG");

	if (env != NULL && *env != '\0')
		return env;
	return SYSCONFDIR "/rsconfig/rsreportserver.conf";
}

int rs_uuid_valid(const char *text)
{
	size_t i;

	if (text == NULL || strlen(text) != RS_ID_LEN)
		return 0;
	for (i = 0; i < RS_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return 0;
		} else if (!((text[i] >= '0' && text[i] <= '9') ||
		    (text[i] >= 'a' && text[i] <= 'f') ||
		    (text[i] >= 'A' && text[i] <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

int rs_uuid_generate(char *out, rs_error *err)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot make a random installation ID"));
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);  /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);  /* RFC 4122 variant */
	snprintf(out, RS_ID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
	return RS_OK;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* Trims in place and returns the start of the trimmed text. */
static char *trim(char *s)
{
	char *end;

	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		*--end = '\0';
	return s;
}

static const struct config_key *key_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* Removes "." and "name/.." components in place, so messages show the
 * path an admin would type.  Lexical only: the folders need not exist. */
static void normalize_path(char *path)
{
	char *parts[PATH_MAX / 2];
	size_t n = 0;
	char *save = NULL, *tok, out[PATH_MAX] = "";
	size_t used = 0;

	for (tok = strtok_r(path, "/", &save); tok && n < PATH_MAX / 2;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		parts[n++] = tok;
	}
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, sizeof out - used, "/%s",
		    parts[i]);
	snprintf(path, PATH_MAX, "%s", used ? out : "/");
}

/* A relative path in the file is relative to the file's folder, so a demo
 * tree or a copied config keeps working wherever it is unpacked. */
static int resolve_path(char *field, size_t size, const char *cfg_path,
    const char *key, rs_error *err)
{
	char dir[PATH_MAX], joined[PATH_MAX];
	const char *slash;
	int n;

	if (field[0] == '/')
		return RS_OK;
	slash = strrchr(cfg_path, '/');
	n = snprintf(dir, sizeof dir, "%.*s", (int)(slash - cfg_path), cfg_path);
	if (n < 0 || (size_t)n >= sizeof dir)
		return rs_err(err, RS_ERR_CONFIG, _("%s: %s is too long"),
		    cfg_path, key);
	n = snprintf(joined, sizeof joined, "%s/%s", dir, field);
	if (n < 0 || (size_t)n >= size)
		return rs_err(err, RS_ERR_CONFIG,
		    _("%s: %s is too long once made absolute"), cfg_path, key);
	normalize_path(joined);
	snprintf(field, size, "%s", joined);
	return RS_OK;
}

static int unknown_key(const char *path, unsigned lineno, const char *key,
    rs_error *err)
{
	char list[320] = "";
	size_t i, used = 0;

	for (i = 0; i < NKEYS; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
		    i ? ", " : "", config_keys[i].name);
	return rs_err(err, RS_ERR_CONFIG, _("%s:%u: unknown key \"%s\" (known "
	    "keys: %s)"), path, lineno, key, list);
}

/* The checks of one value beyond its length. */
static int check_value(const struct config_key *k, const char *value,
    const char *path, unsigned lineno, rs_error *err)
{
	rs_error why = { 0 };

	if (k->kind == KIND_UUID && !rs_uuid_valid(value))
		return rs_err(err, RS_ERR_CONFIG,
		    _("%s:%u: \"%s\" is not a valid UUID "
		    "(expected 8-4-4-4-12 hex digits)"), path, lineno, value);
	if (k->kind == KIND_BACKEND && strcmp(value, RS_BACKEND_SQLITE) != 0 &&
	    strcmp(value, RS_BACKEND_POSTGRESQL) != 0)
		return rs_err(err, RS_ERR_CONFIG, _("%s:%u: backend \"%s\" is not "
		    "known (sqlite or postgresql)"), path, lineno, value);
	if (k->kind == KIND_CONNINFO &&
	    rs_config_check_connection(value, &why) != RS_OK)
		return rs_err(err, RS_ERR_CONFIG, "%s:%u: %s", path, lineno,
		    why.message);
	return RS_OK;
}

/* Parses one line; seen[] counts the keys met so far. */
static int parse_line(char *line, const char *path, unsigned lineno,
    rs_config *cfg, unsigned seen[NKEYS], rs_error *err)
{
	char *eq, *key, *value;
	const struct config_key *k;
	size_t len;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return RS_OK;
	eq = strchr(key, '=');
	if (eq == NULL)
		return rs_err(err, RS_ERR_CONFIG,
		    _("%s:%u: expected \"key = value\", found no '='"),
		    path, lineno);
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	k = key_lookup(key);
	if (k == NULL)
		return unknown_key(path, lineno, key, err);
	if (seen[k - config_keys]++)
		return rs_err(err, RS_ERR_CONFIG,
		    _("%s:%u: duplicate key \"%s\"; every key may appear once"),
		    path, lineno, key);
	len = strlen(value);
	if (len == 0)
		return rs_err(err, RS_ERR_CONFIG, _("%s:%u: empty value for \"%s\""),
		    path, lineno, key);
	if (len >= k->size)
		return rs_err(err, RS_ERR_CONFIG,
		    _("%s:%u: value of \"%s\" is too long (at most %zu bytes)"),
		    path, lineno, key, k->size - 1);
	if (check_value(k, value, path, lineno, err) != RS_OK)
		return err ? err->code : RS_ERR_CONFIG;
	memcpy(field_of(cfg, k), value, len + 1);
	return RS_OK;
}

/* database is required for SQLite only: PostgreSQL has connection. */
static bool key_required(const rs_config *cfg, const struct config_key *k)
{
	if (k->optional)
		return false;
	return !(rs_config_is_postgresql(cfg) &&
	    strcmp(k->name, "database") == 0);
}

static int check_missing(const char *path, const rs_config *cfg,
    const unsigned seen[NKEYS], rs_error *err)
{
	char list[256] = "";
	size_t i, used = 0;

	for (i = 0; i < NKEYS; i++) {
		if (seen[i] || !key_required(cfg, &config_keys[i]))
			continue;
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
		    used ? ", " : "", config_keys[i].name);
	}
	if (used == 0)
		return RS_OK;
	return rs_err(err, RS_ERR_CONFIG, _("%s: missing keys: %s"), path, list);
}

/* connection goes with postgresql, and only with it. */
static int check_backend_keys(const char *path, const rs_config *cfg,
    rs_error *err)
{
	if (rs_config_is_postgresql(cfg) && cfg->connection[0] == '\0')
		return rs_err(err, RS_ERR_CONFIG, _("%s: backend = postgresql "
		    "needs connection = CONNINFO (for example host=db01 "
		    "dbname=reportserver user=rs, or service=NAME)"), path);
	if (!rs_config_is_postgresql(cfg) &&
	    (cfg->connection[0] != '\0' || cfg->pgpassfile[0] != '\0'))
		return rs_err(err, RS_ERR_CONFIG, _("%s: connection and pgpassfile "
		    "are for backend = postgresql only"), path);
	return RS_OK;
}

static int parse_stream(FILE *f, const char *path, rs_config *cfg,
    rs_error *err)
{
	unsigned seen[NKEYS] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = RS_OK;

	while (rc == RS_OK && getline(&line, &cap, f) != -1) {
		lineno++;
		/* A UTF-8 byte-order mark from a Windows editor is not a key. */
		if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
			memmove(line, line + 3, strlen(line + 3) + 1);
		rc = parse_line(line, path, lineno, cfg, seen, err);
	}
	if (rc == RS_OK && ferror(f))
		rc = rs_err(err, RS_ERR_CONFIG, _("%s: read error: %s"), path,
		    strerror(errno));
	free(line);
	if (rc == RS_OK && cfg->backend[0] == '\0')
		snprintf(cfg->backend, sizeof cfg->backend, RS_BACKEND_SQLITE);
	if (rc == RS_OK)
		rc = check_missing(path, cfg, seen, err);
	if (rc == RS_OK)
		rc = check_backend_keys(path, cfg, err);
	return rc;
}

/* Anyone who can write the config can point key operations at a database
 * or key store of their choosing. */
static int check_mode(int fd, const char *path, rs_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return rs_err(err, RS_ERR_CONFIG, _("cannot read config file %s: %s"),
		    path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return rs_err(err, RS_ERR_CONFIG,
		    _("config file %s is not a regular file"), path);
	/* Root acts on what the config says: it must be root's own (or the
	 * invoking user's), never a file another account could have put. */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		char owner[RS_NAME_MAX], me[RS_NAME_MAX];

		rs_user_name(st.st_uid, owner, sizeof owner, RS_USER_NUMBER);
		rs_user_name(geteuid(), me, sizeof me, RS_USER_NUMBER);
		return rs_err(err, RS_ERR_PERMISSION,
		    _("config file %s belongs to %s, who could redirect key "
		    "operations; fix it with: chown %s %s"), path, owner, me,
		    path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return rs_err(err, RS_ERR_PERMISSION,
		    _("config file %s is writable by group or others, so anyone "
		    "could redirect key operations; fix it with: chmod go-w %s"),
		    path, path);
	return RS_OK;
}

static int absolute_path(const char *path, char out[PATH_MAX], rs_error *err)
{
	if (realpath(path, out) == NULL)
		return rs_err(err, RS_ERR_CONFIG, _("cannot resolve %s: %s"), path,
		    strerror(errno));
	return RS_OK;
}

static int resolve_optional(char *field, size_t size, const char *cfg_path,
    const char *key, rs_error *err)
{
	if (field[0] == '\0')
		return RS_OK;
	return resolve_path(field, size, cfg_path, key, err);
}

/* NAME of the runtime and audit defaults: the config file's name without
 * ".conf", which is also the instance of the unit rsserverd@NAME. */
static void config_name(const char *cfg_path, char *out, size_t size)
{
	const char *base = strrchr(cfg_path, '/');
	size_t len;

	base = base ? base + 1 : cfg_path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	snprintf(out, size, "%.*s", (int)len, base);
}

/* Where admins look (and where the unit's RuntimeDirectory= points): the
 * run folder under RUNSTATEDIR, the audit log under LOGDIR, never beside
 * a database that may be a PostgreSQL "reportserver" in /etc. */
static int default_system_paths(rs_config *cfg, rs_error *err)
{
	char name[NAME_MAX + 1];
	int n;

	config_name(cfg->path, name, sizeof name);
	if (cfg->runtime[0] == '\0') {
		n = snprintf(cfg->runtime, sizeof cfg->runtime, "%s/rsconfig/%s",
		    RUNSTATEDIR, name);
		if (n < 0 || (size_t)n >= sizeof cfg->runtime)
			return rs_err(err, RS_ERR_CONFIG, _("%s: %s is too long"),
			    cfg->path, "runtime");
		cfg->runtime_implicit = true;
	}
	if (cfg->audit_log[0] == '\0') {
		n = snprintf(cfg->audit_log, sizeof cfg->audit_log,
		    "%s/rsconfig/%s-audit.log", LOGDIR, name);
		if (n < 0 || (size_t)n >= sizeof cfg->audit_log)
			return rs_err(err, RS_ERR_CONFIG, _("%s: %s is too long"),
			    cfg->path, "audit_log");
		cfg->audit_log_implicit = true;
	}
	return RS_OK;
}

/* machine defaults to this host's name (its first label), as a report
 * server on Windows shows its computer name. */
static int default_machine(rs_config *cfg, rs_error *err)
{
	char host[256];

	if (cfg->machine[0] != '\0')
		return RS_OK;
	if (gethostname(host, sizeof host) != 0 || host[0] == '\0' ||
	    host[0] == '.')
		return rs_err(err, RS_ERR_CONFIG, _("%s: missing keys: %s"),
		    cfg->path, "machine");
	host[sizeof host - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	snprintf(cfg->machine, sizeof cfg->machine, "%s", host);
	cfg->machine_implicit = true;
	return RS_OK;
}

int rs_config_load(const char *path, rs_config *cfg, rs_error *err)
{
	FILE *f;
	int rc, fd;

	memset(cfg, 0, sizeof *cfg);
	/* Non-blocking: a FIFO planted as the config must not hang root
	 * (check_mode then refuses anything but a regular file). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL && fd >= 0)
		close(fd);
	if (f == NULL)
		return rs_err(err, RS_ERR_CONFIG,
		    _("cannot read config file %s: %s; create it with "
		    "\"rsdemo create DIR\" or pass -c FILE"), path, strerror(errno));
	rc = check_mode(fileno(f), path, err);
	if (rc == RS_OK)
		rc = absolute_path(path, cfg->path, err);
	if (rc == RS_OK)
		rc = parse_stream(f, path, cfg, err);
	fclose(f);
	if (rc == RS_OK)
		rc = default_machine(cfg, err);
	if (rc == RS_OK && cfg->database[0] == '\0') {
		/* postgresql without database: a name next to the config file,
		 * so that every field is a path (the audit log has its own key). */
		snprintf(cfg->database, sizeof cfg->database, "reportserver");
		cfg->database_implicit = true;
	}
	if (rc == RS_OK)
		rc = resolve_path(cfg->database, sizeof cfg->database, cfg->path,
		    "database", err);
	if (rc == RS_OK)
		rc = resolve_path(cfg->keystore, sizeof cfg->keystore, cfg->path,
		    "keystore", err);
	if (rc == RS_OK && cfg->pgpassfile[0] != '\0')
		rc = resolve_path(cfg->pgpassfile, sizeof cfg->pgpassfile,
		    cfg->path, "pgpassfile", err);
	if (rc == RS_OK)
		rc = resolve_optional(cfg->runtime, sizeof cfg->runtime, cfg->path,
		    "runtime", err);
	if (rc == RS_OK)
		rc = resolve_optional(cfg->audit_log, sizeof cfg->audit_log,
		    cfg->path, "audit_log", err);
	if (rc == RS_OK)
		rc = default_system_paths(cfg, err);
	return rc;
}

/* Optional keys are written when set; backend only when not the default,
 * so an SQLite config reads as it always did. */
static bool key_written(const rs_config *cfg, const struct config_key *k)
{
	const char *v = field_const(cfg, k);

	if (strcmp(k->name, "database") == 0)
		return !(rs_config_is_postgresql(cfg) && cfg->database_implicit);
	if (strcmp(k->name, "backend") == 0)
		return v[0] != '\0' && strcmp(v, RS_BACKEND_SQLITE) != 0;
	if (strcmp(k->name, "runtime") == 0 && cfg->runtime_implicit)
		return false;
	if (strcmp(k->name, "audit_log") == 0 && cfg->audit_log_implicit)
		return false;
	if (strcmp(k->name, "machine") == 0 && cfg->machine_implicit)
		return false;
	return !k->optional || v[0] != '\0';
}

static int check_savable(const rs_config *cfg, rs_error *err)
{
	size_t i;
	const char *v;

	if (!rs_uuid_valid(cfg->installation_id))
		return rs_err(err, RS_ERR_CONFIG,
		    _("installation ID \"%s\" is not a valid UUID"),
		    cfg->installation_id);
	if (rs_config_is_postgresql(cfg) &&
	    rs_config_check_connection(cfg->connection, err) != RS_OK)
		return RS_ERR_CONFIG;
	for (i = 0; i < NKEYS; i++) {
		if (!key_written(cfg, &config_keys[i]))
			continue;
		v = field_const(cfg, &config_keys[i]);
		if (v[0] == '\0' || strpbrk(v, "\r\n") != NULL ||
		    is_space(v[0]) || is_space(v[strlen(v) - 1]))
			return rs_err(err, RS_ERR_CONFIG,
			    _("cannot save %s: it is empty, has a line break or "
			    "starts or ends with a space"), config_keys[i].name);
	}
	return RS_OK;
}

static char *format_config(const rs_config *cfg)
{
	size_t i, cap = 256, used;
	char *buf;

	for (i = 0; i < NKEYS; i++)
		cap += strlen(field_const(cfg, &config_keys[i])) + 24;
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	used = (size_t)snprintf(buf, cap,
	    "# rsconfig instance configuration (see rsconfig(1)).\n"
	    "# Relative paths are relative to this file's folder.\n");
	for (i = 0; i < NKEYS; i++)
		if (key_written(cfg, &config_keys[i]))
			used += (size_t)snprintf(buf + used, cap - used,
			    "%-15s = %s\n", config_keys[i].name,
			    field_const(cfg, &config_keys[i]));
	return buf;
}

/* Temp file (PATH.XXXXXX, 0640) next to path, renamed over it.  A replaced
 * config keeps its owner and group (as root), so a service account that
 * could read it still can after a rewrite; best effort: root-owned 0640 is
 * still safe.  The folder is synced, but a failure there is not reported:
 * the new config is in place. */
static int save_text(const char *path, const char *text, rs_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	rs_atomic_file f = { .path = path, .dir = dir, .mode = 0640,
		.replace = true };
	struct stat st;

	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1,
	    slash ? path : ".");
	if (geteuid() == 0 && stat(path, &st) == 0) {
		f.owner = RS_OWNER_TRY;
		f.uid = st.st_uid;
		f.gid = st.st_gid;
	}
	switch (rs_atomic_write(&f, text, strlen(text), err)) {
	case RS_ATOMIC_DONE:
	case RS_ATOMIC_SYNC_DIR:
		return RS_OK;
	case RS_ATOMIC_TOO_LONG:
		return rs_err(err, RS_ERR_CONFIG, _("path too long: %s"), path);
	case RS_ATOMIC_CREATE:
		return rs_err(err, RS_ERR_IO,
		    _("cannot create a file next to %s: %s"), path,
		    strerror(errno));
	case RS_ATOMIC_NAME:
		return rs_err(err, RS_ERR_IO, _("cannot replace %s: %s"), path,
		    strerror(errno));
	case RS_ATOMIC_WRITE:
	case RS_ATOMIC_VERIFY:   /* no hook */
	default:
		return rs_err(err, RS_ERR_IO, _("cannot write %s: %s"), path,
		    strerror(errno));
	}
}

int rs_config_save(const rs_config *cfg, const char *path, rs_error *err)
{
	char *text;
	int rc;

	rc = check_savable(cfg, err);
	if (rc != RS_OK)
		return rc;
	text = format_config(cfg);
	if (text == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = save_text(path, text, err);
	free(text);
	return rc;
}
