/* SPDX-License-Identifier: ISC */
/* fuzz_member.c: libFuzzer target for a member row as the core reads it
 * from the database, which every member's service account can write
 * (issue 14).  The row's columns are plain SQLite values copied into
 * fixed fields; what is parsed is the public key (DER): the input is that
 * column.  rs_public_key_check must accept exactly RSA of at least
 * RS_RSA_BITS bits with e = 65537 and an odd modulus (checked here with
 * OpenSSL directly),
 * and an accepted key must take a wrapped copy (an even modulus did not:
 * regress/member/even-modulus.der).  The same bytes, as a
 * member's name, must come out of rs_text_safe without a control
 * character. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "crypto.h"
#include "err.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the check must decide, by OpenSSL's own reading of the DER: one
 * SubjectPublicKeyInfo and nothing after it, RSA, big enough, e = 65537,
 * an odd modulus. */
static int acceptable(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)size);
	BIGNUM *e = NULL, *n = NULL;
	int ok;

	ok = pk != NULL && p == data + size && EVP_PKEY_is_a(pk, "RSA")
	    && EVP_PKEY_get_bits(pk) >= RS_RSA_BITS
	    && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1
	    && BN_is_word(e, 65537);
	ok = ok && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) == 1
	    && BN_is_odd(n);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

static void name_check(const uint8_t *data, size_t size)
{
	char name[256], out[RS_TEXT_SAFE_SIZE(sizeof name)];
	size_t n = size < sizeof name - 1 ? size : sizeof name - 1, i;

	memcpy(name, data, n);
	name[n] = '\0';
	rs_text_safe(name, out, sizeof out);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const rs_wrap_label label = { "db", "member", 1 };
	rs_error err;
	rs_symkey *key;
	unsigned char *wrapped = NULL;
	size_t wrapped_len = 0;
	int rc;

	name_check(data, size);
	if (size > 4096)   /* an RSA-8192 public key is about 1 KiB */
		return 0;
	memset(&err, 0, sizeof err);
	rc = rs_public_key_check(data, size, &err);
	ERR_clear_error();
	if (rc != RS_OK && err.message[0] == '\0')
		abort();
	if ((rc == RS_OK) != (acceptable(data, size) != 0))
		abort();
	if (rc != RS_OK)
		return 0;
	key = rs_symkey_new();
	if (key == NULL)
		abort();
	memset(&err, 0, sizeof err);
	if (rs_key_wrap(data, size, key, &label, &wrapped, &wrapped_len,
	    &err) != RS_OK || wrapped_len == 0)
		abort();
	free(wrapped);
	rs_symkey_free(key);
	ERR_clear_error();
	return 0;
}
