/* SPDX-License-Identifier: ISC */
/* check_crypto.c: the AEAD, the key check value, the key pair and wrapping. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "secret.h"
#include "testutil.h"

/* RSA-3072 generation is slow: two key pairs made once, before Check forks,
 * shared by every test. */
static rs_keypair *kp_a, *kp_b;

static rs_symkey *new_key(void)
{
	rs_symkey *k = rs_symkey_new();
	rs_error err = { 0 };

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(rs_symkey_generate(k, &err), RS_OK);
	return k;
}

#define DB_A "3f2b8c1e-0d4a-4e5f-9a6b-7c8d9e0f1a2b"
#define DB_B "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
static const rs_value_place place_a = { "datasources", 42, "connection",
	"Sales DB" };

static size_t seal(rs_aead *a, const rs_value_place *pl, const char *text,
    unsigned char *out)
{
	rs_error err = { 0 };
	size_t n = 0;

	ck_assert_int_eq(rs_aead_seal(a, pl, (const unsigned char *)text,
	    strlen(text), out, &n, &err), RS_OK);
	ck_assert_uint_eq(n, strlen(text) + RS_SEAL_OVERHEAD);
	return n;
}

START_TEST(test_seal_open_round_trip)
{
	rs_symkey *k = new_key();
	rs_aead *a = rs_aead_new(k, 7, DB_A, NULL);
	unsigned char sealed[256], plain[256];
	size_t n, pn = 0;
	uint32_t gen = 0;

	ck_assert_ptr_nonnull(a);
	n = seal(a, &place_a, "Server=db;Password=Secret1!", sealed);
	ck_assert_int_eq(sealed[0], 2);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn, &gen),
	    RS_OPEN_OK);
	ck_assert_uint_eq(gen, 7);
	ck_assert_uint_eq(pn, strlen("Server=db;Password=Secret1!"));
	ck_assert_int_eq(memcmp(plain, "Server=db;Password=Secret1!", pn), 0);
	/* An empty value seals and opens too. */
	n = seal(a, &place_a, "", sealed);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn, NULL),
	    RS_OPEN_OK);
	ck_assert_uint_eq(pn, 0);
	/* Two seals of one value differ (random nonce). */
	{
		unsigned char s2[256];
		size_t n1 = seal(a, &place_a, "same", sealed);
		size_t n2 = seal(a, &place_a, "same", s2);

		ck_assert_uint_eq(n1, n2);
		ck_assert_int_ne(memcmp(sealed, s2, n1), 0);
	}
	rs_aead_free(a);
	rs_symkey_free(k);
}
END_TEST

START_TEST(test_moved_value_refused)
{
	rs_symkey *k = new_key();
	rs_aead *a = rs_aead_new(k, 1, DB_A, NULL);
	rs_value_place other_row = { "datasources", 43, "connection",
	    "Sales DB" };
	rs_value_place other_col = { "datasources", 42, "password",
	    "Sales DB" };
	rs_value_place other_tab = { "subscriptions", 42, "connection",
	    "Sales DB" };
	/* Same bytes concatenated differently must not collide. */
	rs_value_place shifted = { "datasources4", 2, "connection",
	    "Sales DB" };
	unsigned char sealed[128], plain[128];
	size_t n, pn;

	n = seal(a, &place_a, "secret", sealed);
	ck_assert_int_eq(rs_aead_open(a, &other_row, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &other_col, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &other_tab, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &shifted, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_OK);
	rs_aead_free(a);
	rs_symkey_free(k);
}
END_TEST

START_TEST(test_other_generation_and_key)
{
	rs_symkey *k = new_key(), *k2 = new_key();
	rs_aead *g1 = rs_aead_new(k, 1, DB_A, NULL);
	rs_aead *g2 = rs_aead_new(k, 2, DB_A, NULL);
	rs_aead *other = rs_aead_new(k2, 1, DB_A, NULL);
	unsigned char sealed[128], plain[128];
	size_t n, pn;
	uint32_t gen = 0;

	n = seal(g1, &place_a, "secret", sealed);
	ck_assert_int_eq(rs_aead_open(g2, &place_a, sealed, n, plain, &pn,
	    &gen), RS_OPEN_OTHER_GENERATION);
	ck_assert_uint_eq(gen, 1);
	/* Rewriting the generation in the header does not help. */
	sealed[4] = 2;
	ck_assert_int_eq(rs_aead_open(g2, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	sealed[4] = 1;
	ck_assert_int_eq(rs_aead_open(other, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	rs_aead_free(g1);
	rs_aead_free(g2);
	rs_aead_free(other);
	rs_symkey_free(k);
	rs_symkey_free(k2);
}
END_TEST

START_TEST(test_tampered_and_malformed)
{
	rs_symkey *k = new_key();
	rs_aead *a = rs_aead_new(k, 3, DB_A, NULL);
	unsigned char sealed[128], plain[128];
	size_t n, pn, i;

	n = seal(a, &place_a, "some secret value", sealed);
	/* Every byte after the header is covered: nonce, ciphertext, tag. */
	for (i = 5; i < n; i++) {
		sealed[i] ^= 0x01;
		ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain,
		    &pn, NULL), RS_OPEN_AUTH_FAILED);
		sealed[i] ^= 0x01;
	}
	sealed[0] = 3;   /* 1 and 2 are the formats in use */
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn, NULL),
	    RS_OPEN_MALFORMED);
	/* Claiming the old format does not drop the database and name. */
	sealed[0] = 1;
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn, NULL),
	    RS_OPEN_AUTH_FAILED);
	sealed[0] = 2;
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, RS_SEAL_OVERHEAD - 1,
	    plain, &pn, NULL), RS_OPEN_MALFORMED);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n - 1, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn, NULL),
	    RS_OPEN_OK);
	ck_assert_ptr_nonnull(rs_open_status_text(RS_OPEN_AUTH_FAILED));
	rs_aead_free(a);
	rs_symkey_free(k);
}
END_TEST

START_TEST(check_value_is_stable_hex_and_differs_per_key)
{
	rs_symkey *k = rs_symkey_new(), *k2 = rs_symkey_new();
	char a[RS_KCV_HEX_LEN + 1], b[RS_KCV_HEX_LEN + 1];
	char c[RS_KCV_HEX_LEN + 1];
	size_t i;

	memset(k->bytes, 0x11, RS_KEY_LEN);
	memset(k2->bytes, 0x11, RS_KEY_LEN);
	k2->bytes[31] = 0x12;
	rs_symkey_kcv(k, a);
	rs_symkey_kcv(k, b);
	rs_symkey_kcv(k2, c);
	ck_assert_uint_eq(strlen(a), RS_KCV_HEX_LEN);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	for (i = 0; i < RS_KCV_HEX_LEN; i++)
		ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
	rs_symkey_free(k);
	rs_symkey_free(k2);
}
END_TEST

START_TEST(hex_encoding_is_lower_case)
{
	static const unsigned char bytes[] = { 0x00, 0x09, 0xa0, 0xff, 0x5c };
	char out[2 * sizeof bytes + 1];

	memset(out, 'x', sizeof out);
	rs_hex_encode(bytes, sizeof bytes, out);
	ck_assert_str_eq(out, "0009a0ff5c");
	rs_hex_encode(bytes, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

static const rs_wrap_label label_a = { DB_A,
	"11111111-2222-4333-8444-555555555555", 4 };

START_TEST(only_the_matching_key_pair_unwraps_the_key)
{
	rs_symkey *k = new_key(), *out = rs_symkey_new();
	unsigned char *der = NULL, *wrapped = NULL;
	size_t der_len = 0, wlen = 0;
	rs_error err = { 0 };

	ck_assert_int_eq(rs_keypair_public_der(kp_a, &der, &der_len, &err),
	    RS_OK);
	ck_assert(rs_keypair_matches(kp_a, der, der_len));
	ck_assert(!rs_keypair_matches(kp_b, der, der_len));
	ck_assert_int_eq(rs_key_wrap(der, der_len, k, &label_a, &wrapped, &wlen,
	    &err), RS_OK);
	ck_assert_uint_eq(wlen, RS_RSA_BITS / 8);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &label_a, out, NULL,
	    &err), RS_OK);
	ck_assert_int_eq(memcmp(out->bytes, k->bytes, RS_KEY_LEN), 0);

	/* Another key pair cannot unwrap it. */
	ck_assert_int_eq(rs_key_unwrap(kp_b, wrapped, wlen, &label_a, out, NULL,
	    &err), RS_ERR_CRYPTO);
	ck_assert(strlen(err.message) > 0);
	rs_err_clear(&err);
	/* Nor a damaged copy. */
	wrapped[10] ^= 0x40;
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &label_a, out, NULL,
	    &err), RS_ERR_CRYPTO);
	rs_err_clear(&err);
	/* A damaged public key is refused with a message. */
	free(wrapped);
	ck_assert_int_eq(rs_key_wrap(der, der_len / 2, k, &label_a, &wrapped,
	    &wlen, &err), RS_ERR_CRYPTO);
	ck_assert_ptr_null(wrapped);
	free(der);
	rs_symkey_free(k);
	rs_symkey_free(out);
}
END_TEST

/* A value in the format written before version 2 (associated data without
 * database and name), sealed here by hand as the old code did. */
static size_t seal_v1(const rs_symkey *k, const rs_value_place *pl,
    uint32_t gen, const char *text, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	char aad[256];
	int n, outl = 0, finl = 0;
	size_t len = strlen(text);

	n = snprintf(aad, sizeof aad, "rsconfig-value-v1%c%s%c%lld%c%s%c%u",
	    0, pl->table, 0, (long long)pl->row, 0, pl->column, 0, gen);
	out[0] = 1;
	out[1] = (unsigned char)(gen >> 24);
	out[2] = (unsigned char)(gen >> 16);
	out[3] = (unsigned char)(gen >> 8);
	out[4] = (unsigned char)gen;
	memset(out + 5, 0x5a, 12);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL,
	    k->bytes, out + 5), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, NULL, &outl,
	    (unsigned char *)aad, n), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(c, out + 17, &outl,
	    (const unsigned char *)text, (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, out + 17 + outl, &finl), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    out + 17 + len), 1);
	EVP_CIPHER_CTX_free(c);
	return len + RS_SEAL_OVERHEAD;
}

START_TEST(value_copied_to_another_database_or_name_does_not_open)
{
	rs_symkey *k = new_key();
	rs_aead *a = rs_aead_new(k, 1, DB_A, NULL);
	rs_aead *b = rs_aead_new(k, 1, DB_B, NULL);
	rs_value_place renamed = { "datasources", 42, "connection", "HR DB" };
	rs_value_place unnamed = { "datasources", 42, "connection", NULL };
	unsigned char sealed[128], plain[128];
	size_t n, pn;

	n = seal(a, &place_a, "secret", sealed);
	/* Same key, same place, another database (a backup applied to two). */
	ck_assert_int_eq(rs_aead_open(b, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	/* Same row id, another item name (names swapped, or the id reused). */
	ck_assert_int_eq(rs_aead_open(a, &renamed, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &unnamed, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_OK);
	ck_assert_ptr_nonnull(strstr(rs_open_status_text(RS_OPEN_AUTH_FAILED),
	    "database"));
	rs_aead_free(a);
	rs_aead_free(b);
	rs_symkey_free(k);
}
END_TEST

START_TEST(old_format_values_still_open_but_not_elsewhere)
{
	rs_symkey *k = new_key();
	rs_aead *a = rs_aead_new(k, 5, DB_A, NULL);
	rs_value_place other_row = { "datasources", 43, "connection",
	    "Sales DB" };
	unsigned char sealed[128], plain[128];
	size_t n, pn = 0;

	n = seal_v1(k, &place_a, 5, "Password=old", sealed);
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_OK);
	ck_assert_uint_eq(pn, strlen("Password=old"));
	ck_assert_int_eq(memcmp(plain, "Password=old", pn), 0);
	/* The old format still binds table, row and column. */
	ck_assert_int_eq(rs_aead_open(a, &other_row, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	/* Claiming the new format for an old value does not open it. */
	sealed[0] = 2;
	ck_assert_int_eq(rs_aead_open(a, &place_a, sealed, n, plain, &pn,
	    NULL), RS_OPEN_AUTH_FAILED);
	rs_aead_free(a);
	rs_symkey_free(k);
}
END_TEST

static void der_of(EVP_PKEY *pkey, unsigned char **der, size_t *len)
{
	unsigned char *tmp = NULL;
	int n = i2d_PUBKEY(pkey, &tmp);

	ck_assert_int_gt(n, 0);
	*der = malloc((size_t)n);
	memcpy(*der, tmp, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(tmp);
}

static EVP_PKEY *rsa_with(unsigned bits, unsigned e)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_new();

	BN_set_word(bn, e);
	ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, bn), 0);
	ck_assert_int_eq(EVP_PKEY_generate(c, &pkey), 1);
	BN_free(bn);
	EVP_PKEY_CTX_free(c);
	return pkey;
}

/* A planted row's modulus can be anything: an even one (found by
 * fuzz_member) passed the size and exponent checks and then failed the
 * wrap; it is refused up front, with a reason.  So are trailing bytes. */
START_TEST(member_key_with_an_even_modulus_is_refused)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	rs_error err = { 0 };
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey;

	ck_assert_int_eq(rs_keypair_public_der(kp_a, &der, &len, &err), RS_OK);
	p = der;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	ck_assert_ptr_nonnull(pkey);
	/* A good key with bytes after it is not that key (fuzz_member). */
	der = realloc(der, len + 8);
	ck_assert_ptr_nonnull(der);
	memset(der + len, 0xa5, 8);
	ck_assert_int_eq(rs_public_key_check(der, len + 8, &err), RS_ERR_CRYPTO);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_public_key_check(der, len, &err), RS_OK);
	free(der);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	EVP_PKEY_free(pkey);
	pkey = NULL;
	ck_assert_int_eq(BN_clear_bit(n, 0), 1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(c), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(c, &pkey, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	der_of(pkey, &der, &len);
	ck_assert_int_eq(rs_public_key_check(der, len, &err), RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, "modulus is not valid") != NULL, "%s",
	    err.message);
	free(der);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
}
END_TEST

START_TEST(member_keys_below_3072_bits_or_with_e_3_are_refused)
{
	EVP_PKEY *small = rsa_with(2048, 65537), *e3 = rsa_with(3072, 3);
	rs_symkey *k = new_key();
	unsigned char *der = NULL, *wrapped = NULL;
	size_t len = 0, wlen = 0;
	rs_error err = { 0 };

	der_of(small, &der, &len);
	ck_assert_int_eq(rs_public_key_check(der, len, &err), RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, "2048") != NULL, "%s", err.message);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_key_wrap(der, len, k, &label_a, &wrapped, &wlen,
	    &err), RS_ERR_CRYPTO);
	ck_assert_ptr_null(wrapped);
	rs_err_clear(&err);
	free(der);
	der_of(e3, &der, &len);
	ck_assert_int_eq(rs_public_key_check(der, len, &err), RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, "exponent 3;") != NULL, "%s",
	    err.message);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_key_wrap(der, len, k, &label_a, &wrapped, &wlen,
	    &err), RS_ERR_CRYPTO);
	ck_assert_ptr_null(wrapped);
	rs_err_clear(&err);
	free(der);
	/* Our own key pairs pass. */
	ck_assert_int_eq(rs_keypair_public_der(kp_a, &der, &len, &err), RS_OK);
	ck_assert_int_eq(rs_public_key_check(der, len, &err), RS_OK);
	free(der);
	EVP_PKEY_free(small);
	EVP_PKEY_free(e3);
	rs_symkey_free(k);
}
END_TEST

START_TEST(a_copy_unwraps_only_under_its_own_label)
{
	rs_symkey *k = new_key(), *out = rs_symkey_new();
	unsigned char *der = NULL, *wrapped = NULL;
	size_t der_len = 0, wlen = 0;
	rs_error err = { 0 };
	rs_wrap_label other_db = label_a, other_member = label_a;
	rs_wrap_label other_gen = label_a;
	bool legacy = true;

	other_db.database_id = DB_B;
	other_member.installation_id = "99999999-2222-4333-8444-555555555555";
	other_gen.generation = 5;
	ck_assert_int_eq(rs_keypair_public_der(kp_a, &der, &der_len, &err),
	    RS_OK);
	ck_assert_int_eq(rs_key_wrap(der, der_len, k, &label_a, &wrapped, &wlen,
	    &err), RS_OK);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &label_a, out,
	    &legacy, &err), RS_OK);
	ck_assert(!legacy);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &other_db, out,
	    NULL, &err), RS_ERR_CRYPTO);
	ck_assert_msg(strstr(err.message, "another database") != NULL, "%s",
	    err.message);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &other_member, out,
	    NULL, &err), RS_ERR_CRYPTO);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &other_gen, out,
	    NULL, &err), RS_ERR_CRYPTO);
	rs_err_clear(&err);
	free(wrapped);
	/* A copy from before labels still unwraps, and says so. */
	ck_assert_int_eq(rs_key_wrap(der, der_len, k, NULL, &wrapped, &wlen,
	    &err), RS_OK);
	ck_assert_int_eq(rs_key_unwrap(kp_a, wrapped, wlen, &label_a, out,
	    &legacy, &err), RS_OK);
	ck_assert(legacy);
	ck_assert_int_eq(memcmp(out->bytes, k->bytes, RS_KEY_LEN), 0);
	free(wrapped);
	free(der);
	rs_symkey_free(k);
	rs_symkey_free(out);
}
END_TEST

START_TEST(check_value_is_derived_and_old_ones_still_match)
{
	rs_symkey *k = new_key(), *k2 = new_key();
	char now[RS_KCV_HEX_LEN + 1], old[RS_KCV_HEX_LEN + 1];
	unsigned char mac[32];
	unsigned int mac_len = 0;

	rs_symkey_kcv(k, now);
	/* Version 1: HMAC keyed with the encryption key itself. */
	HMAC(EVP_sha256(), k->bytes, RS_KEY_LEN,
	    (const unsigned char *)"rsconfig key check value", 24, mac,
	    &mac_len);
	rs_hex_encode(mac, RS_KCV_HEX_LEN / 2, old);
	ck_assert_str_ne(now, old);
	ck_assert_int_eq(rs_symkey_kcv_version(k, now), 2);
	ck_assert_int_eq(rs_symkey_kcv_version(k, old), 1);
	ck_assert_int_eq(rs_symkey_kcv_version(k2, now), 0);
	ck_assert_int_eq(rs_symkey_kcv_version(k2, old), 0);
	ck_assert_int_eq(rs_symkey_kcv_version(k, "0123"), 0);
	ck_assert(rs_symkey_kcv_matches(k, old));
	rs_symkey_free(k);
	rs_symkey_free(k2);
}
END_TEST

START_TEST(test_pem_round_trip)
{
	char *pem = NULL;
	size_t len = 0;
	rs_keypair *back = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	rs_error err = { 0 };
	char fa[RS_FINGERPRINT_LEN + 1], fb[RS_FINGERPRINT_LEN + 1];

	ck_assert_int_eq(rs_keypair_to_pem(kp_a, &pem, &len, &err), RS_OK);
	ck_assert(len > 100);
	ck_assert(strstr(pem, "-----BEGIN PRIVATE KEY-----") == pem);
	ck_assert_int_eq(rs_keypair_from_pem(pem, len, &back, &err), RS_OK);
	ck_assert_int_eq(rs_keypair_public_der(kp_a, &der, &der_len, &err),
	    RS_OK);
	ck_assert(rs_keypair_matches(back, der, der_len));
	rs_public_fingerprint(der, der_len, fa);
	/* 128 bits: 32 hex digits in eight groups of four (issue 14). */
	ck_assert_uint_eq(strlen(fa), RS_FINGERPRINT_LEN);
	ck_assert_uint_eq(strspn(fa, "0123456789abcdef:"), RS_FINGERPRINT_LEN);
	ck_assert(fa[4] == ':' && fa[34] == ':');
	rs_public_fingerprint(der, der_len - 1, fb);
	ck_assert_str_ne(fa, fb);
	rs_keypair_free(back);
	/* A damaged PEM is refused. */
	pem[len / 2] ^= 0x04;
	ck_assert_int_eq(rs_keypair_from_pem(pem, len, &back, &err),
	    RS_ERR_CRYPTO);
	ck_assert_ptr_null(back);
	rs_secret_free(pem, len);
	free(der);
}
END_TEST

START_TEST(secret_memory_is_zeroed_and_passwords_may_overlap)
{
	rs_password pw;
	unsigned char *p = rs_secret_alloc(100);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < 100; i++)
		ck_assert_int_eq(p[i], 0);
	rs_secret_free(p, 100);
	rs_secret_free(NULL, 0);
	ck_assert_int_eq(rs_password_init(&pw), 0);
	ck_assert_int_eq(rs_password_set(&pw, "Secret1!x", 9), 0);
	ck_assert_str_eq(pw.text, "Secret1!x");
	ck_assert_int_eq(rs_password_set(&pw, pw.text + 6, 3), 0);
	ck_assert_str_eq(pw.text, "1!x");
	ck_assert_uint_eq(pw.len, 3);
	ck_assert_int_eq(rs_password_set(&pw, "x", RS_PASSWORD_MAX + 1), -1);
	rs_password_free(&pw);
	ck_assert_ptr_null(pw.text);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seal_open_round_trip);
	tcase_add_test(tc, test_moved_value_refused);
	tcase_add_test(tc, test_other_generation_and_key);
	tcase_add_test(tc, test_tampered_and_malformed);
	tcase_add_test(tc, check_value_is_stable_hex_and_differs_per_key);
	tcase_add_test(tc, hex_encoding_is_lower_case);
	tcase_add_test(tc, only_the_matching_key_pair_unwraps_the_key);
	tcase_add_test(tc, test_pem_round_trip);
	tcase_add_test(tc,
	    value_copied_to_another_database_or_name_does_not_open);
	tcase_add_test(tc, old_format_values_still_open_but_not_elsewhere);
	tcase_add_test(tc, member_keys_below_3072_bits_or_with_e_3_are_refused);
	tcase_add_test(tc, member_key_with_an_even_modulus_is_refused);
	tcase_add_test(tc, a_copy_unwraps_only_under_its_own_label);
	tcase_add_test(tc, check_value_is_derived_and_old_ones_still_match);
	tcase_add_test(tc, secret_memory_is_zeroed_and_passwords_may_overlap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rs_error err = { 0 };
	int rc;

	if (rs_keypair_generate(&kp_a, &err) != RS_OK
	    || rs_keypair_generate(&kp_b, &err) != RS_OK)
		return 99;
	rc = tu_run(crypto_suite());
	rs_keypair_free(kp_a);
	rs_keypair_free(kp_b);
	return rc;
}
