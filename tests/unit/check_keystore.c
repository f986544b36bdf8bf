/* SPDX-License-Identifier: ISC */
/* check_keystore.c: the private key on disk, its modes and owner. */
#include <config.h>

#include <check.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "keystore.h"
#include "testutil.h"

#define ID "0f8fad5b-d9cb-469f-a165-70867728950e"

/* Made once in main, before Check forks: RSA-3072 generation is slow. */
static rs_keypair *kp_a, *kp_b;
static char base[PATH_MAX];
static char dir[PATH_MAX + 32];

static void setup(void)
{
	snprintf(base, sizeof base, "%s", tu_mkdtemp());
	/* A store that does not exist yet: save must create it 0700. */
	snprintf(dir, sizeof dir, "%s/keys/MSSQLSERVER", base);
}

static void teardown(void)
{
	tu_rmtree(base);
}

static bool same_key(const rs_keypair *got, const rs_keypair *want)
{
	unsigned char *der = NULL;
	size_t len = 0;
	bool same;

	ck_assert_int_eq(rs_keypair_public_der(want, &der, &len, NULL), RS_OK);
	same = rs_keypair_matches(got, der, len);
	free(der);
	return same;
}

static int mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

START_TEST(saved_key_pair_loads_back_with_private_modes)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	ck_assert_int_eq(mode_of(dir), 0700);
	ck_assert_int_eq(mode_of(tu_path(dir, ID ".key")), 0600);
	ck_assert_int_eq(rs_keystore_check(dir, NULL, &err), RS_OK);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err), RS_OK);
	ck_assert(same_key(got, kp_a));
	rs_keypair_free(got);
	/* Saving again replaces the key. */
	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_b, &err), RS_OK);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err), RS_OK);
	ck_assert(same_key(got, kp_b));
	rs_keypair_free(got);
}
END_TEST

START_TEST(missing_key_store_or_key_is_not_found)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;

	ck_assert_int_eq(rs_keystore_check(dir, NULL, &err), RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_save(dir, "other", NULL, kp_a, &err),
	    RS_OK);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err),
	    RS_ERR_NOT_FOUND);
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err.message, ID ".key"));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_load_pending(dir, ID, &got, &err),
	    RS_ERR_NOT_FOUND);
	rs_err_clear(&err);
	/* A file name must stay inside the store. */
	ck_assert_int_eq(rs_keystore_load(dir, "../x", &got, &err),
	    RS_ERR_CONFIG);
}
END_TEST

START_TEST(test_loose_dir_refused)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;
	char want[PATH_MAX + 64];

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	ck_assert_int_eq(chmod(dir, 0750), 0);
	ck_assert_int_eq(rs_keystore_check(dir, NULL, &err),
	    RS_ERR_PERMISSION);
	snprintf(want, sizeof want, "chmod 700 %s", dir);
	ck_assert_ptr_nonnull(strstr(err.message, want));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(err.message, "chmod 700"));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_null(got);
}
END_TEST

START_TEST(test_loose_file_refused)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;
	const char *file = tu_path(dir, ID ".key");
	char want[PATH_MAX + 64];

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	ck_assert_int_eq(chmod(file, 0644), 0);
	snprintf(want, sizeof want, "chmod 600 %s", file);
	ck_assert_int_eq(rs_keystore_check(dir, NULL, &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(err.message, want));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(err.message, want));
	ck_assert_ptr_null(got);
}
END_TEST

START_TEST(test_damaged_key_file)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	tu_write_file(tu_path(dir, ID ".key"), "not a key\n", 0600);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err), RS_ERR_CRYPTO);
	ck_assert_ptr_nonnull(strstr(err.message, "damaged"));
	ck_assert_ptr_null(got);
}
END_TEST

START_TEST(pending_key_is_discarded_or_committed)
{
	rs_error err = { 0 };
	rs_keypair *got = NULL;
	const char *pending = tu_path(dir, ID ".key.pending");

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	/* Discard: the current key stays. */
	ck_assert_int_eq(rs_keystore_save_pending(dir, ID, NULL, kp_b, &err),
	    RS_OK);
	ck_assert_int_eq(mode_of(pending), 0600);
	ck_assert_int_eq(rs_keystore_load_pending(dir, ID, &got, &err), RS_OK);
	ck_assert(same_key(got, kp_b));
	rs_keypair_free(got);
	rs_keystore_discard_pending(dir, ID);
	ck_assert_int_ne(access(pending, F_OK), 0);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err), RS_OK);
	ck_assert(same_key(got, kp_a));
	rs_keypair_free(got);
	/* Commit: the pending key replaces the current one. */
	ck_assert_int_eq(rs_keystore_save_pending(dir, ID, NULL, kp_b, &err),
	    RS_OK);
	ck_assert_int_eq(rs_keystore_commit_pending(dir, ID, &err), RS_OK);
	ck_assert_int_ne(access(pending, F_OK), 0);
	ck_assert_int_eq(rs_keystore_load(dir, ID, &got, &err), RS_OK);
	ck_assert(same_key(got, kp_b));
	rs_keypair_free(got);
	ck_assert_int_eq(rs_keystore_commit_pending(dir, ID, &err),
	    RS_ERR_NOT_FOUND);
	/* A loose pending file is refused like the key itself. */
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_save_pending(dir, ID, NULL, kp_b, &err),
	    RS_OK);
	ck_assert_int_eq(chmod(pending, 0640), 0);
	ck_assert_int_eq(rs_keystore_check(dir, NULL, &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(err.message, "chmod 600"));
}
END_TEST

START_TEST(key_store_must_belong_to_the_service_account)
{
	rs_error err = { 0 };
	bool changed = true;
	struct passwd *pw;
	struct stat st;

	ck_assert_int_eq(rs_keystore_save(dir, ID, NULL, kp_a, &err), RS_OK);
	if (geteuid() != 0) {
		ck_assert_int_eq(rs_keystore_chown(dir, "nobody", &changed,
		    &err), RS_OK);
		ck_assert(!changed);
		tu_skip("key_store_owned_by_the_service_account", "needs root");
		return;
	}
	/* As root the store must belong to the service account. */
	pw = getpwnam("nobody");
	ck_assert_ptr_nonnull(pw);
	ck_assert_int_eq(rs_keystore_check(dir, "nobody", &err),
	    RS_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(err.message, "chown nobody "));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_chown(dir, "no-such-user-rs", &changed,
	    &err), RS_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "useradd"));
	rs_err_clear(&err);
	ck_assert_int_eq(rs_keystore_chown(dir, "nobody", &changed, &err),
	    RS_OK);
	ck_assert(changed);
	ck_assert_int_eq(stat(tu_path(dir, ID ".key"), &st), 0);
	ck_assert_uint_eq(st.st_uid, pw->pw_uid);
	ck_assert_int_eq(rs_keystore_check(dir, "nobody", &err), RS_OK);
	ck_assert_int_eq(rs_keystore_check(dir, "root", &err),
	    RS_ERR_PERMISSION);
	rs_err_clear(&err);
	/* Saving for an account gives the new file to it. */
	ck_assert_int_eq(rs_keystore_save_pending(dir, ID, "nobody", kp_b,
	    &err), RS_OK);
	ck_assert_int_eq(stat(tu_path(dir, ID ".key.pending"), &st), 0);
	ck_assert_uint_eq(st.st_uid, pw->pw_uid);
	ck_assert_int_eq(rs_keystore_check(dir, "nobody", &err), RS_OK);
	ck_assert_int_eq(rs_keystore_save(dir, ID, "no-such-user-rs", kp_b,
	    &err), RS_ERR_NOT_FOUND);
}
END_TEST

static Suite *keystore_suite(void)
{
	Suite *s = suite_create("keystore");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, saved_key_pair_loads_back_with_private_modes);
	tcase_add_test(tc, missing_key_store_or_key_is_not_found);
	tcase_add_test(tc, test_loose_dir_refused);
	tcase_add_test(tc, test_loose_file_refused);
	tcase_add_test(tc, test_damaged_key_file);
	tcase_add_test(tc, pending_key_is_discarded_or_committed);
	tcase_add_test(tc, key_store_must_belong_to_the_service_account);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int rc;

	if (rs_keypair_generate(&kp_a, NULL) != RS_OK
	    || rs_keypair_generate(&kp_b, NULL) != RS_OK)
		return 99;
	rc = tu_run(keystore_suite());
	rs_keypair_free(kp_a);
	rs_keypair_free(kp_b);
	return rc;
}
