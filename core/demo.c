/* SPDX-License-Identifier: ISC */
/* demo.c: a ready demo deployment without root (see demo.h). */
#include <config.h>

#include <errno.h>
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "ops_internal.h"
#include "secret.h"

/* The folders above the demo's, as mkdir -p makes them (mode 0777 less
 * the umask); one that exists is fine, the demo's own mkdir reports the
 * rest. */
static void parents_make(const char *dir)
{
	char p[PATH_MAX];
	char *s;

	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return;
	for (s = p + 1; (s = strchr(s, '/')) != NULL && s[1] != '\0'; s++) {
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return;
		*s = '/';
	}
}

static int dir_prepare(const char *dir, rs_error *err)
{
	DIR *d;
	struct dirent *e;

	parents_make(dir);
	if (mkdir(dir, 0700) == 0)
		return RS_OK;
	if (errno != EEXIST)
		return rs_err(err, RS_ERR_IO, _("cannot create %s: %s"), dir,
		    strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot open %s: %s"), dir,
		    strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			break;
	closedir(d);
	if (e != NULL)
		return rs_err(err, RS_ERR_EXISTS, _("%s is not empty; choose a new "
		    "folder for the demo."), dir);
	return RS_OK;
}

static int member_config(const char *dir, unsigned i,
    const rs_demo_options *opt, rs_config *cfg, rs_error *err)
{
	char member_dir[PATH_MAX];
	struct passwd *pw = getpwuid(geteuid());
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (snprintf(member_dir, sizeof member_dir, "%s/member%u", dir, i) >=
	    (int)sizeof member_dir - 32)
		return rs_err(err, RS_ERR_USAGE, _("%s: path too long"), dir);
	if (mkdir(member_dir, 0700) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot create %s: %s"),
		    member_dir, strerror(errno));
	rc = rs_uuid_generate(cfg->installation_id, err);
	if (rc != RS_OK)
		return rc;
	if (gethostname(cfg->machine, sizeof cfg->machine) != 0)
		snprintf(cfg->machine, sizeof cfg->machine, "localhost");
	cfg->machine[sizeof cfg->machine - 1] = '\0';
	snprintf(cfg->instance, sizeof cfg->instance, "RSDEMO%u", i);
	snprintf(cfg->database, sizeof cfg->database, "../reportserver.db");
	if (opt->postgres != NULL) {
		snprintf(cfg->backend, sizeof cfg->backend, RS_BACKEND_POSTGRESQL);
		snprintf(cfg->connection, sizeof cfg->connection, "%s",
		    opt->postgres);
		/* database stays: it places the audit log, shared by the demo's
		 * members as on SQLite. */
	}
	snprintf(cfg->keystore, sizeof cfg->keystore, "keys");
	/* Everything stays in the demo folder, not in /run and /var/log. */
	snprintf(cfg->runtime, sizeof cfg->runtime, "keys.run");
	snprintf(cfg->audit_log, sizeof cfg->audit_log,
	    "../reportserver.db-audit.log");
	snprintf(cfg->service_account, sizeof cfg->service_account, "%s",
	    pw ? pw->pw_name : "root");
	if (snprintf(cfg->path, sizeof cfg->path, "%s/rsreportserver.conf",
	    member_dir) >= (int)sizeof cfg->path)
		return rs_err(err, RS_ERR_USAGE, _("%s: path too long"), dir);
	return rs_config_save(cfg, cfg->path, err);
}

/* The first member must make the key: a database that already has one
 * (a shared PostgreSQL database in use) is not for a demo. */
static int member_init(const char *path, bool first, rs_ctx **ctx,
    rs_error *err)
{
	rs_init_result res;
	int rc = rs_ctx_open_for_init(path, ctx, err);

	if (rc == RS_OK)
		rc = rs_op_init(*ctx, &res, err);
	if (rc == RS_OK && first && !res.created_key)
		rc = rs_err(err, RS_ERR_EXISTS, _("%s already holds a report "
		    "server database; give the demo an empty database."),
		    rs_ctx_store_description(*ctx));
	return rc;
}

/* ---- sample content ---- */

static const char *const databases[] = {
	"AdventureWorks", "Sales", "Finance", "HR", "Inventory", "Marketing",
	"Logistics", "Support",
};
#define NDATABASES (sizeof databases / sizeof databases[0])

static void fake_secret(char *out, size_t size)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+";
	unsigned char raw[16];

	RAND_bytes(raw, sizeof raw);
	for (size_t i = 0; i < sizeof raw && i + 1 < size; i++)
		out[i] = set[raw[i] % (sizeof set - 1)];
	out[size < sizeof raw + 1 ? size - 1 : sizeof raw] = '\0';
	rs_wipe(raw, sizeof raw);
}

typedef struct demo_filler {
	rs_store *store;
	rs_aead *aead;
	unsigned char sealed[RS_MAX_CELLS][1024];
	char plain[RS_MAX_CELLS][512];
} demo_filler;

static int fill_row(demo_filler *f, int table, const char *name, int ncells,
    rs_error *err)
{
	const rs_content_table_info *ti = rs_content_info(table);
	rs_content_row row;
	int rc;

	memset(&row, 0, sizeof row);
	rc = f->store->ops->content_insert(f->store, table, name, &row.id, err);
	for (int c = 0; rc == RS_OK && c < ncells; c++) {
		rs_value_place place = { ti->table, row.id, ti->columns[c],
		    name };

		rc = rs_aead_seal(f->aead, &place, (unsigned char *)f->plain[c],
		    strlen(f->plain[c]), f->sealed[c], &row.cell_len[c], err);
		row.cell[c] = f->sealed[c];
		rs_wipe(f->plain[c], sizeof f->plain[c]);
	}
	if (rc == RS_OK)
		rc = f->store->ops->content_update(f->store, table, &row, err);
	return rc;
}

static int add_datasource(demo_filler *f, uint64_t n, rs_error *err)
{
	const char *db = databases[n % NDATABASES];
	char name[RS_NAME_MAX], secret[32];

	fake_secret(secret, sizeof secret);
	snprintf(name, sizeof name, "/Data Sources/%s-%llu", db,
	    (unsigned long long)n);
	snprintf(f->plain[0], sizeof f->plain[0], "Data Source=sql%02llu.contoso."
	    "local;Initial Catalog=%s;Encrypt=True;Application Name=Reporting",
	    (unsigned long long)(n % 17), db);
	snprintf(f->plain[1], sizeof f->plain[1], "username=CONTOSO\\svc_%s\n"
	    "password=%s", db, secret);
	rs_wipe(secret, sizeof secret);
	return fill_row(f, RS_TABLE_DATASOURCES, name, 2, err);
}

static int add_subscription(demo_filler *f, uint64_t n, rs_error *err)
{
	const char *db = databases[n % NDATABASES];
	char name[RS_NAME_MAX], secret[32];

	fake_secret(secret, sizeof secret);
	snprintf(name, sizeof name, "Monthly %s report #%llu", db,
	    (unsigned long long)n);
	snprintf(f->plain[0], sizeof f->plain[0], "extension=Report Server "
	    "FileShare\npath=\\\\fs01.contoso.local\\reports\\%s\n"
	    "username=CONTOSO\\svc_files\npassword=%s", db, secret);
	rs_wipe(secret, sizeof secret);
	return fill_row(f, RS_TABLE_SUBSCRIPTIONS, name, 1, err);
}

/* Two of every three rows are data sources (two values each), the rest
 * subscriptions (one value). */
static int fill_content(rs_ctx *ctx, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	demo_filler *f = rs_secret_alloc(sizeof *f);
	ops_unlocked u;
	int rc = f ? ops_unlock(ctx, &u, NULL, err)
	    : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));

	if (rc != RS_OK) {
		rs_secret_free(f, sizeof *f);
		return rc;
	}
	f->store = ctx->store;
	f->aead = rs_aead_new(u.key, u.info.generation, u.database_id, err);
	rc = f->aead ? ops_begin(ctx, "demo", err) : RS_ERR_CRYPTO;
	for (uint64_t n = 0; rc == RS_OK && res->values < opt->values; n++) {
		bool subscription = n % 3 == 2 || opt->values - res->values < 2;

		rc = subscription ? add_subscription(f, n, err)
		    : add_datasource(f, n, err);
		res->values += subscription ? 1 : 2;
		if (rc == RS_OK && opt->progress && n % 4096 == 0 &&
		    opt->progress(opt->progress_arg, res->values, opt->values))
			rc = rs_err(err, RS_ERR_CANCELLED, _("Cancelled."));
	}
	if (f->aead)
		rc = ops_finish(ctx, rc, err);
	rs_aead_free(f->aead);
	rs_secret_free(f, sizeof *f);
	ops_unlocked_free(&u);
	return rc;
}

static int create_members(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	rs_config cfg;
	rs_ctx *first = NULL, *other = NULL;
	int rc = RS_OK;

	for (unsigned i = 1; rc == RS_OK && i <= opt->members; i++) {
		rc = member_config(dir, i, opt, &cfg, err);
		if (rc == RS_OK)
			rc = member_init(cfg.path, i == 1, i == 1 ? &first : &other,
			    err);
		if (rc == RS_OK && i > 1 && i < opt->members)
			rc = rs_op_join(first, cfg.installation_id, err);
		rs_ctx_close(other);
		other = NULL;
		if (i == 1)
			snprintf(res->config_path, sizeof res->config_path, "%s",
			    cfg.path);
		else if (i == opt->members)
			snprintf(res->waiting_config_path,
			    sizeof res->waiting_config_path, "%s", cfg.path);
		res->members = i;
	}
	if (rc == RS_OK)
		rc = fill_content(first, opt, res, err);
	rs_ctx_close(first);
	return rc;
}

int rs_demo_create(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	rs_demo_options defaults = { .values = 1000, .members = 2 };
	char absolute[PATH_MAX];
	int rc;

	memset(res, 0, sizeof *res);
	if (opt == NULL)
		opt = &defaults;
	if (opt->members < 1)
		return rs_err(err, RS_ERR_USAGE, _("A demo needs at least one "
		    "member."));
	rc = dir_prepare(dir, err);
	if (rc != RS_OK)
		return rc;
	if (realpath(dir, absolute) == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot resolve %s: %s"), dir,
		    strerror(errno));
	return create_members(absolute, opt, res, err);
}
