/* SPDX-License-Identifier: ISC */
/* check_config.c: the strict config parser, save and UUIDs. */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "instance.h"
#include "testutil.h"

#define UUID "0f8fad5b-d9cb-469f-a165-70867728950e"

static const char *good_text =
    "# instance config\n"
    "\n"
    "installation_id = " UUID "\n"
    "  machine=reports01  \n"
    "instance\t=\tMSSQLSERVER\n"
    "   # indented comment\n"
    "database        = /var/lib/rsconfig/reportserver.db\n"
    "service_account = rsservice\r\n"
    "keystore        = /var/lib/rsconfig/keys/MSSQLSERVER\n";

static char dir[PATH_MAX];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
}

static void teardown(void)
{
	tu_rmtree(dir);
}

static int load_text(const char *text, rs_config *cfg, rs_error *err)
{
	const char *path = tu_path(dir, "rs.conf");

	tu_write_file(path, text, 0600);
	rs_err_clear(err);
	return rs_config_load(path, cfg, err);
}

START_TEST(good_config_loads_every_field_with_an_absolute_path)
{
	rs_config cfg;
	rs_error err = { 0 };
	char real[PATH_MAX];

	ck_assert_int_eq(load_text(good_text, &cfg, &err), RS_OK);
	ck_assert_str_eq(cfg.installation_id, UUID);
	ck_assert_str_eq(cfg.machine, "reports01");
	ck_assert_str_eq(cfg.instance, "MSSQLSERVER");
	ck_assert_str_eq(cfg.database, "/var/lib/rsconfig/reportserver.db");
	ck_assert_str_eq(cfg.service_account, "rsservice");
	ck_assert_str_eq(cfg.keystore, "/var/lib/rsconfig/keys/MSSQLSERVER");
	ck_assert_ptr_nonnull(realpath(tu_path(dir, "rs.conf"), real));
	ck_assert_str_eq(cfg.path, real);
	ck_assert(cfg.path[0] == '/');
}
END_TEST

START_TEST(test_relative_paths)
{
	rs_config cfg;
	rs_error err = { 0 };
	char real[PATH_MAX], cwd[PATH_MAX], want[PATH_MAX + 32];
	const char *text =
	    "installation_id = " UUID "\nmachine = m\ninstance = i\n"
	    "database = data/report.db\nservice_account = a\nkeystore = keys\n";

	ck_assert_int_eq(load_text(text, &cfg, &err), RS_OK);
	ck_assert_ptr_nonnull(realpath(dir, real));
	snprintf(want, sizeof want, "%s/data/report.db", real);
	ck_assert_str_eq(cfg.database, want);
	snprintf(want, sizeof want, "%s/keys", real);
	ck_assert_str_eq(cfg.keystore, want);

	/* a relative config path still gives absolute paths */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(rs_config_load("rs.conf", &cfg, &err), RS_OK);
	ck_assert_int_eq(chdir(cwd), 0);
	snprintf(want, sizeof want, "%s/rs.conf", real);
	ck_assert_str_eq(cfg.path, want);
	snprintf(want, sizeof want, "%s/data/report.db", real);
	ck_assert_str_eq(cfg.database, want);
}
END_TEST

/* Each broken file: error code, and a fragment the message must hold. */
static void expect_error(const char *text, int code, const char *fragment)
{
	rs_config cfg;
	rs_error err = { 0 };

	ck_assert_int_eq(load_text(text, &cfg, &err), code);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.message, fragment) != NULL,
	    "message \"%s\" lacks \"%s\"", err.message, fragment);
}

START_TEST(test_unknown_key)
{
	expect_error("# c\ninstallation_id = " UUID "\nmachin = x\n",
	    RS_ERR_CONFIG, "rs.conf:3: unknown key \"machin\"");
}
END_TEST

START_TEST(test_duplicate_key)
{
	expect_error("machine = a\ninstance = b\n\nmachine = c\n",
	    RS_ERR_CONFIG, "rs.conf:4: duplicate key \"machine\"");
}
END_TEST

START_TEST(test_no_equals)
{
	expect_error("machine = a\ninstance b\n", RS_ERR_CONFIG, "rs.conf:2:");
	expect_error("machine = a\ninstance b\n", RS_ERR_CONFIG, "'='");
}
END_TEST

START_TEST(test_empty_value)
{
	expect_error("machine = a\n\n\ninstance =   \n", RS_ERR_CONFIG,
	    "rs.conf:4: empty value for \"instance\"");
}
END_TEST

START_TEST(test_empty_key)
{
	expect_error("= a\n", RS_ERR_CONFIG, "rs.conf:1: unknown key \"\"");
}
END_TEST

START_TEST(test_invalid_uuid)
{
	expect_error("machine = a\ninstallation_id = 0f8fad5b-d9cb-469f-a165\n",
	    RS_ERR_CONFIG, "rs.conf:2: ");
	expect_error("machine = a\ninstallation_id = 0f8fad5b-d9cb-469f-a165\n",
	    RS_ERR_CONFIG, "not a valid UUID");
}
END_TEST

START_TEST(test_too_long)
{
	char *text = malloc(RS_NAME_MAX + 64);
	size_t i;

	strcpy(text, "# x\nmachine = ");
	for (i = strlen(text); i < RS_NAME_MAX + 32; i++)
		text[i] = 'm';
	strcpy(text + i, "\n");
	expect_error(text, RS_ERR_CONFIG, "rs.conf:2: value of \"machine\" is too long");
	free(text);
}
END_TEST

START_TEST(test_missing_keys)
{
	expect_error("installation_id = " UUID "\nmachine = m\ninstance = i\n"
	    "database = d\n", RS_ERR_CONFIG, "missing keys: service_account, keystore");
	/* machine is not required: it defaults to the host name. */
	expect_error("", RS_ERR_CONFIG, "missing keys: installation_id, instance");
}
END_TEST

START_TEST(test_missing_file)
{
	rs_config cfg;
	rs_error err = { 0 };
	const char *path = tu_path(dir, "nope.conf");

	ck_assert_int_eq(rs_config_load(path, &cfg, &err), RS_ERR_CONFIG);
	ck_assert(strstr(err.message, path) != NULL);
	ck_assert(strstr(err.message, strerror(ENOENT)) != NULL);
	ck_assert(strstr(err.message, "rsdemo create") != NULL);
}
END_TEST

START_TEST(test_writable_refused)
{
	rs_config cfg;
	rs_error err = { 0 };
	const char *path = tu_path(dir, "rs.conf");

	tu_write_file(path, good_text, 0666);
	ck_assert_int_eq(rs_config_load(path, &cfg, &err), RS_ERR_PERMISSION);
	ck_assert(strstr(err.message, "chmod go-w") != NULL);
	ck_assert(strstr(err.message, path) != NULL);
	rs_err_clear(&err);
	tu_write_file(path, good_text, 0620);
	ck_assert_int_eq(rs_config_load(path, &cfg, &err), RS_ERR_PERMISSION);
	rs_err_clear(&err);
	tu_write_file(path, good_text, 0644);
	ck_assert_int_eq(rs_config_load(path, &cfg, &err), RS_OK);
}
END_TEST

/* A config of a uid without an account: the fix names the number, which
 * chown takes (a "?" there made the command fail). */
START_TEST(config_of_an_unnamed_uid_is_refused_with_a_chown_that_works)
{
	rs_config cfg;
	rs_error err = { 0 };
	const char *path = tu_path(dir, "rs.conf");
	char want[64];
	uid_t uid = 54321;

	if (geteuid() != 0) {
		tu_skip("config_of_an_unnamed_uid", "needs root to chown");
		return;
	}
	while (getpwuid(uid) != NULL)
		uid++;
	tu_write_file(path, good_text, 0600);
	ck_assert_int_eq(chown(path, uid, (gid_t)-1), 0);
	ck_assert_int_eq(rs_config_load(path, &cfg, &err), RS_ERR_PERMISSION);
	snprintf(want, sizeof want, "belongs to %lu,", (unsigned long)uid);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
	snprintf(want, sizeof want, "chown root %s", path);
	ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
}
END_TEST

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_save_round_trip)
{
	rs_config cfg, back;
	rs_error err = { 0 };
	const char *path = tu_path(dir, "saved.conf");
	struct stat st;
	char *text;

	memset(&cfg, 0, sizeof cfg);
	ck_assert_int_eq(rs_uuid_generate(cfg.installation_id, &err), RS_OK);
	strcpy(cfg.machine, "reports01");
	strcpy(cfg.instance, "MSSQLSERVER");
	strcpy(cfg.database, "/srv/rs/report server.db");
	strcpy(cfg.service_account, "rsservice");
	strcpy(cfg.keystore, "keys/MSSQLSERVER");
	ck_assert_int_eq(rs_config_save(&cfg, path, &err), RS_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(rs_config_load(path, &back, &err), RS_OK);
	ck_assert_str_eq(back.installation_id, cfg.installation_id);
	ck_assert_str_eq(back.machine, cfg.machine);
	ck_assert_str_eq(back.instance, cfg.instance);
	ck_assert_str_eq(back.database, cfg.database);
	ck_assert_str_eq(back.service_account, cfg.service_account);
	ck_assert(strstr(back.keystore, "/keys/MSSQLSERVER") != NULL);
	ck_assert(back.keystore[0] == '/');
	/* relative paths are written as given */
	text = tu_read_file(path, NULL);
	ck_assert(strstr(text, "= keys/MSSQLSERVER\n") != NULL);
	free(text);

	/* overwrite replaces, leaves no temp file behind */
	strcpy(cfg.machine, "reports02");
	ck_assert_int_eq(rs_config_save(&cfg, path, &err), RS_OK);
	ck_assert_int_eq(rs_config_load(path, &back, &err), RS_OK);
	ck_assert_str_eq(back.machine, "reports02");
	ck_assert_int_eq(count_entries(dir), 1);
}
END_TEST

START_TEST(test_save_refuses_bad)
{
	rs_config cfg;
	rs_error err = { 0 };

	memset(&cfg, 0, sizeof cfg);
	strcpy(cfg.installation_id, UUID);
	strcpy(cfg.machine, "m\nkeystore = /evil");
	strcpy(cfg.instance, "i");
	strcpy(cfg.database, "d");
	strcpy(cfg.service_account, "a");
	strcpy(cfg.keystore, "k");
	ck_assert_int_eq(rs_config_save(&cfg, tu_path(dir, "x.conf"), &err),
	    RS_ERR_CONFIG);
	ck_assert_int_ne(access(tu_path(dir, "x.conf"), F_OK), 0);
}
END_TEST

START_TEST(uuids_are_validated_and_generated_distinct)
{
	char a[RS_ID_LEN + 1], b[RS_ID_LEN + 1];
	rs_error err = { 0 };

	ck_assert(rs_uuid_valid(UUID));
	ck_assert(rs_uuid_valid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
	ck_assert(!rs_uuid_valid(NULL));
	ck_assert(!rs_uuid_valid(""));
	ck_assert(!rs_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950"));
	ck_assert(!rs_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950e0"));
	ck_assert(!rs_uuid_valid("0f8fad5bxd9cb-469f-a165-70867728950e"));
	ck_assert(!rs_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950g"));
	ck_assert_int_eq(rs_uuid_generate(a, &err), RS_OK);
	ck_assert_int_eq(rs_uuid_generate(b, &err), RS_OK);
	ck_assert(rs_uuid_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[14], '4');
	ck_assert(strchr("89ab", a[19]) != NULL);
}
END_TEST

START_TEST(default_config_path_honours_the_override)
{
	setenv("RSCONFIG", "/tmp/x.conf", 1);
	ck_assert_str_eq(rs_config_default_path(), "/tmp/x.conf");
	setenv("RSCONFIG", "", 1);
	ck_assert(strstr(rs_config_default_path(), "/rsconfig/rsreportserver.conf"));
	unsetenv("RSCONFIG");
	ck_assert(strstr(rs_config_default_path(), "/rsconfig/rsreportserver.conf"));
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_config_loads_every_field_with_an_absolute_path);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_no_equals);
	tcase_add_test(tc, test_empty_value);
	tcase_add_test(tc, test_empty_key);
	tcase_add_test(tc, test_invalid_uuid);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_missing_keys);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_writable_refused);
	tcase_add_test(tc, config_of_an_unnamed_uid_is_refused_with_a_chown_that_works);
	tcase_add_test(tc, test_save_round_trip);
	tcase_add_test(tc, test_save_refuses_bad);
	tcase_add_test(tc, uuids_are_validated_and_generated_distinct);
	tcase_add_test(tc, default_config_path_honours_the_override);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(config_suite());
}
