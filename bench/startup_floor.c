/* SPDX-License-Identifier: ISC */
/* startup_floor.c: the irreducible work of rskeymgmt --status, as a floor
 * for bench_startup.sh (issue 19): load the instance's private key from
 * the key store, read the member row's wrapped copy of the key, the
 * database ID, the key's generation and check value and the value counts
 * in one SQLite select, and unwrap the copy (RSA-OAEP-SHA256 with the
 * label of core/crypto.c).  libcrypto and libsqlite3 only, none of core/:
 * no configuration file, no catalog, no checks of owners and modes, no
 * lock, no audit.
 *
 * startup_floor KEYFILE DATABASE INSTALLATION_ID */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sqlite3.h>

#define LABEL "rsconfig-wrapped-key-v2"

static const char sql[] =
    "SELECT m.wrapped_key, m.key_generation,"
    " (SELECT value FROM meta WHERE key = 'database_id'),"
    " (SELECT kcv FROM keyinfo WHERE id = 1),"
    " (SELECT count(connection_string) || ' ' || count(credentials)"
    "  FROM datasources),"
    " (SELECT count(settings) FROM subscriptions)"
    " FROM members m WHERE m.installation_id = ?";

/* The decoder named (PEM, RSA), as core/crypto.c does: PEM_read_PrivateKey
 * tries every decoder OpenSSL 3 has, which is not the floor. */
static EVP_PKEY *load_key(const char *path)
{
	static unsigned char pem[16384];
	const unsigned char *p = pem;
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;
	OSSL_DECODER_CTX *d;
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(pem, 1, sizeof pem, f);
	fclose(f);
	d = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", NULL, "RSA",
	    EVP_PKEY_KEYPAIR, NULL, NULL);
	if (d == NULL || OSSL_DECODER_from_data(d, &p, &n) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	OSSL_DECODER_CTX_free(d);
	OPENSSL_cleanse(pem, sizeof pem);
	return k;
}

/* RSA-OAEP-SHA256 with the label "rsconfig-wrapped-key-v2" NUL database
 * NUL installation NUL generation; 1 when a 32-byte key comes out. */
static int unwrap(EVP_PKEY *k, const unsigned char *w, size_t wlen,
    const char *db, const char *inst, long long gen)
{
	unsigned char label[256], out[1024], *copy;
	size_t n = sizeof out;
	int len = snprintf((char *)label, sizeof label, "%s%c%s%c%s%c%lld",
	    LABEL, 0, db, 0, inst, 0, gen);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int ok;

	copy = len > 0 && (size_t)len < sizeof label
	    ? OPENSSL_memdup(label, (size_t)len) : NULL;
	ok = ctx != NULL && copy != NULL && EVP_PKEY_decrypt_init(ctx) == 1
	    && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0
	    && EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0
	    && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0
	    && EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, len) > 0;
	if (!ok)
		OPENSSL_free(copy);
	ok = ok && EVP_PKEY_decrypt(ctx, out, &n, w, wlen) == 1 && n == 32;
	OPENSSL_cleanse(out, sizeof out);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	EVP_PKEY *k;
	int ok = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: startup_floor KEYFILE DATABASE INSTALLATION_ID\n");
		return 2;
	}
	k = load_key(argv[1]);
	if (k != NULL
	    && sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
	    && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK
	    && sqlite3_bind_text(st, 1, argv[3], -1, SQLITE_STATIC) == SQLITE_OK
	    && sqlite3_step(st) == SQLITE_ROW
	    && sqlite3_column_type(st, 2) == SQLITE_TEXT) {
		ok = unwrap(k, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0),
		    (const char *)sqlite3_column_text(st, 2), argv[3],
		    sqlite3_column_int64(st, 1));
		if (ok)
			printf("generation %lld, check value %s, values %s %d\n",
			    (long long)sqlite3_column_int64(st, 1),
			    (const char *)sqlite3_column_text(st, 3),
			    (const char *)sqlite3_column_text(st, 4),
			    sqlite3_column_int(st, 5));
	}
	if (!ok)
		fprintf(stderr, "startup_floor: cannot unwrap the key copy\n");
	sqlite3_finalize(st);
	sqlite3_close(db);
	EVP_PKEY_free(k);
	return ok ? 0 : 1;
}
