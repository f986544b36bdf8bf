/* SPDX-License-Identifier: ISC */
/* check_backup.c: the key backup file: round trip, refusals, file handling
 * and compatibility with stock `openssl cms`. */
#define _GNU_SOURCE
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include "backup.h"
#include "secret.h"
#include "testutil.h"

/* Only characters that are safe inside single quotes in a shell. */
#define PW "Str0ng!Pass#2026"
#define IID "0f8fad5b-d9cb-469f-a165-70867728950e"
#define DBID "7c9e6679-7425-40de-944b-e07fc1f90ae7"

/* One key and one backup file made before Check forks: each write costs a
 * PBKDF2 of RS_BACKUP_ITERATIONS twice (write and read-back). */
static rs_symkey *key;
static char key_hex[2 * RS_KEY_LEN + 1];
static rs_backup_meta meta;
static char *good_file;        /* the PEM text of a good backup */
static size_t good_len;
static char dir[PATH_MAX];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s", tu_mkdtemp());
}

static void teardown(void)
{
	tu_rmtree(dir);
}

static int read_path(const char *path, const char *pw, rs_symkey *out,
    rs_backup_meta *m, rs_error *err)
{
	rs_err_clear(err);
	return rs_backup_read(path, pw, strlen(pw), out, m, err);
}

/* Writes a file from bytes (may contain NUL). */
static void put_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int count_temp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".rsbackup", 9) == 0)
			n++;
	closedir(d);
	return n;
}

#define UNUSABLE "opens with this password but its content is damaged, altered or not a key backup this version reads; use another copy of the backup"

/* A password-encrypted CMS file with any payload, made the way stock openssl
 * would, with the fewest iterations a backup may ask for (100,000). */
static void make_cms_file(const char *path, const char *payload,
    const char *pw)
{
	BIO *in = BIO_new_mem_buf(payload, (int)strlen(payload));
	BIO *out = BIO_new_file(path, "w");
	CMS_ContentInfo *cms = CMS_encrypt(NULL, in, EVP_aes_256_cbc(),
	    CMS_PARTIAL | CMS_BINARY);
	unsigned char *pass = (unsigned char *)OPENSSL_strdup(pw);

	ck_assert_ptr_nonnull(cms);
	ck_assert_ptr_nonnull(CMS_add0_recipient_password(cms, 100000,
	    NID_id_alg_PWRI_KEK, NID_undef, pass, (ossl_ssize_t)strlen(pw),
	    NULL));
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	ck_assert_int_eq(PEM_write_bio_CMS(out, cms), 1);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
}

static const char *payload_with(const char *first, const char *kcv,
    const char *extra)
{
	static char buf[2048];
	char good_kcv[RS_KCV_HEX_LEN + 1];

	rs_symkey_kcv(key, good_kcv);
	snprintf(buf, sizeof buf, "%s\nkey: %s\nkcv: %s\ngeneration: 3\n"
	    "installation-id: " IID "\nmachine: reports01\n"
	    "instance: MSSQLSERVER\ndatabase-id: " DBID "\n"
	    "created: 2026-11-24T01:02:03Z\n%s", first, key_hex,
	    kcv ? kcv : good_kcv, extra);
	return buf;
}

START_TEST(test_round_trip)
{
	const char *path = tu_path(dir, "key.pem");
	rs_symkey *back = rs_symkey_new();
	rs_backup_meta m;
	rs_error err = { 0 };
	struct stat st;
	char *text;

	umask(0);   /* the mode must not depend on the caller's umask */
	ck_assert_int_eq(rs_backup_write(path, PW, strlen(PW), key, &meta,
	    false, &err), RS_OK);
	umask(022);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(count_temp_files(), 0);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "-----BEGIN CMS-----"));
	ck_assert_ptr_null(strstr(text, key_hex));   /* never plain text */
	free(text);

	memset(&m, 0, sizeof m);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_OK);
	ck_assert_int_eq(memcmp(back->bytes, key->bytes, RS_KEY_LEN), 0);
	ck_assert_str_eq(m.kcv, meta.kcv);
	ck_assert_uint_eq(m.generation, 7);
	ck_assert_str_eq(m.installation_id, IID);
	ck_assert_str_eq(m.database_id, DBID);
	ck_assert_str_eq(m.machine, "reports01");
	ck_assert_str_eq(m.instance, "MSSQLSERVER");
	ck_assert_int_eq(m.created, 1795482123);   /* 2026-11-24T01:02:03Z */
	rs_symkey_free(back);
}
END_TEST

START_TEST(test_wrong_password)
{
	const char *path = tu_path(dir, "key.pem");
	rs_error err = { 0 };

	put_file(path, good_file, good_len);
	ck_assert_int_eq(read_path(path, "Str0ng!Pass#2027", NULL, NULL, &err),
	    RS_ERR_BAD_PASSWORD);
	ck_assert_ptr_nonnull(strstr(err.message, "wrong password"));
	ck_assert_int_eq(read_path(path, "", NULL, NULL, &err),
	    RS_ERR_BAD_PASSWORD);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err), RS_OK);
}
END_TEST

START_TEST(test_missing_empty_garbage)
{
	const char *path = tu_path(dir, "key.pem");
	rs_error err = { 0 };
	char big[RS_BACKUP_MAX_FILE + 10];

	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_NOT_FOUND);
	put_file(path, "", 0);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "empty"));
	tu_write_file(path, "hello, this is not a backup\n", 0600);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "not a key backup"));
	put_file(path, "\x01\x02\0\xff", 4);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	tu_write_file(path, "-----BEGIN CMS-----\nnot base64 at all!\n"
	    "-----END CMS-----\n", 0600);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "damaged"));
	memset(big, 'A', sizeof big);
	put_file(path, big, sizeof big);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "too large"));
	ck_assert_int_eq(read_path(dir, PW, NULL, NULL, &err), RS_ERR_BAD_FILE);
	/* A FIFO is refused at once instead of blocking. */
	ck_assert_int_eq(mkfifo(tu_path(dir, "fifo"), 0600), 0);
	ck_assert_int_eq(read_path(tu_path(dir, "fifo"), PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
}
END_TEST

START_TEST(test_truncated)
{
	const char *path = tu_path(dir, "key.pem");
	const char *end = strstr(good_file, "-----END CMS-----");
	rs_error err = { 0 };

	/* Cut in the middle of the body: no END line. */
	put_file(path, good_file, good_len / 2);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "truncated"));
	/* Body lines lost but armour intact: the DER is incomplete. */
	{
		char buf[RS_BACKUP_MAX_FILE];
		size_t head = (size_t)(strchr(good_file, '\n') - good_file) + 1;
		size_t tail = good_len - (size_t)(end - good_file);

		memcpy(buf, good_file, head + 130);   /* two body lines */
		memcpy(buf + head + 130, end, tail);
		put_file(path, buf, head + 130 + tail);
		ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
		    RS_ERR_BAD_FILE);
	}
}
END_TEST

/* A base64 character changed in the last body lines lands in the encrypted
 * content: CBC garbles a block, and the strict payload parser (or the
 * padding check) refuses it: always RS_ERR_BAD_FILE. */
START_TEST(test_altered_content)
{
	const char *path = tu_path(dir, "key.pem");
	const char *end = strstr(good_file, "-----END CMS-----");
	size_t from = (size_t)(end - good_file) - 3 * 65, pos;
	char *copy = malloc(good_len);
	rs_error err = { 0 };
	int tried = 0;

	for (pos = from; pos < (size_t)(end - good_file); pos += 23) {
		if (good_file[pos] == '\n' || good_file[pos] == '=')
			continue;
		memcpy(copy, good_file, good_len);
		copy[pos] = good_file[pos] == 'A' ? 'B' : 'A';
		put_file(path, copy, good_len);
		ck_assert_msg(read_path(path, PW, NULL, NULL, &err)
		    == RS_ERR_BAD_FILE, "offset %zu: %s", pos, err.message);
		tried++;
	}
	ck_assert_int_ge(tried, 8);
	free(copy);
}
END_TEST

/* The good file's DER (OPENSSL_free it), its length in *len. */
static unsigned char *good_der(long *len)
{
	BIO *in = BIO_new_mem_buf(good_file, (int)good_len);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;

	ck_assert_int_eq(PEM_read_bio(in, &name, &header, &der, len), 1);
	ck_assert_str_eq(name, "CMS");
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(in);
	return der;
}

/* Writes der to path as a PEM CMS file. */
static void put_pem(const char *path, const unsigned char *der, long len)
{
	BIO *out = BIO_new(BIO_s_mem());
	char *pem;
	long pem_len;

	ck_assert_int_gt(PEM_write_bio(out, "CMS", "", der, len), 0);
	pem_len = BIO_get_mem_data(out, &pem);
	put_file(path, pem, (size_t)pem_len);
	BIO_free(out);
}

/* The wrapped content key sits in the password block: changing it cannot
 * be told apart from a wrong password (RFC 3211 has only check bytes), so
 * it is RS_ERR_BAD_PASSWORD, and the message says the block may be altered. */
START_TEST(test_altered_password_block)
{
	const char *path = tu_path(dir, "key.pem");
	static const unsigned char data_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
	long len = 0, i, at = -1;
	unsigned char *der = good_der(&len);
	rs_error err = { 0 };

	/* encryptedKey: OCTET STRING of 48 bytes, followed by the
	 * EncryptedContentInfo whose first field is the id-data OID. */
	for (i = 0; i + 51 + 3 + (long)sizeof data_oid < len; i++)
		if (der[i] == 0x04 && der[i + 1] == 0x30 && der[i + 50] == 0x30
		    && memmem(der + i + 51, 3 + sizeof data_oid, data_oid,
		    sizeof data_oid) != NULL)
			at = i + 2;
	ck_assert_int_ge(at, 0);
	der[at + 20] ^= 0x5a;
	put_pem(path, der, len);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_PASSWORD);
	ck_assert_ptr_nonnull(strstr(err.message, "altered"));
	OPENSSL_free(der);
}
END_TEST

/* ---- the key derivation a file asks for ---- */

static const unsigned char pbkdf2_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c };

/* The PBKDF2 OID in der: only one, in the password block. */
static unsigned char *pbkdf2_at(unsigned char *der, long len)
{
	unsigned char *at = memmem(der, (size_t)len, pbkdf2_oid,
	    sizeof pbkdf2_oid);

	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_null(memmem(at + 1, (size_t)(der + len - at - 1),
	    pbkdf2_oid, sizeof pbkdf2_oid));
	return at;
}

/* Replaces the key derivation whose PBKDF2 OID is at at: the algorithm by
 * the OID content oid (oid_len bytes, at least PBKDF2's 9) and the
 * iteration count by the INTEGER content ival (ilen bytes).  The new bytes
 * are taken from the salt, so every enclosing DER length stays right: OID,
 * SEQUENCE { OCTET STRING salt, INTEGER iter } (PBKDF2 and the PBES1 and
 * PKCS#12 schemes have the same parameters). */
static void patch_kdf(unsigned char *at, const unsigned char *oid,
    size_t oid_len, const unsigned char *ival, size_t ilen)
{
	unsigned char *salt = at + sizeof pbkdf2_oid + 2, *iter, *w;
	size_t region, slen;

	iter = salt + 2 + salt[1];
	ck_assert_int_eq(salt[-2], 0x30);
	/* A PRF after the count (HMAC-SHA256) is taken into the region. */
	ck_assert_int_ge(salt[-1], 2 + salt[1] + 2 + iter[1]);
	ck_assert_int_lt(salt[-1], 0x80);
	ck_assert_int_eq(salt[0], 0x04);
	ck_assert_int_eq(iter[0], 0x02);
	region = (size_t)(salt + salt[-1] - at);
	ck_assert_uint_gt(region, 2 + oid_len + 2 + 2 + 2 + ilen);
	slen = region - (2 + oid_len + 2 + 2 + 2 + ilen);
	w = at;
	*w++ = 0x06;
	*w++ = (unsigned char)oid_len;
	memcpy(w, oid, oid_len);
	w += oid_len;
	*w++ = 0x30;
	*w++ = (unsigned char)(2 + slen + 2 + ilen);
	*w++ = 0x04;
	*w++ = (unsigned char)slen;
	w += slen;   /* what is left there serves as salt */
	*w++ = 0x02;
	*w++ = (unsigned char)ilen;
	memcpy(w, ival, ilen);
}

/* Writes the good file to path with its key derivation replaced (see
 * patch_kdf). */
static void forge(const char *path, const unsigned char *oid, size_t oid_len,
    const unsigned char *ival, size_t ilen)
{
	long len = 0;
	unsigned char *der = good_der(&len), *at = pbkdf2_at(der, len);

	patch_kdf(at, oid, oid_len, ival, ilen);
	put_pem(path, der, len);
	OPENSSL_free(der);
}

/* Refused before any key derivation: the wrong password gets the same
 * answer, where running the KDF would have made it "wrong password" (after
 * hours, for these counts). */
static void assert_refused(const char *path, const char *phrase)
{
	rs_error err = { 0 };

	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_msg(strstr(err.message, phrase) != NULL, "%s", err.message);
	ck_assert_ptr_nonnull(strstr(err.message, path));
	ck_assert_ptr_nonnull(strstr(err.message,
	    "it was not written by rskeymgmt or has been tampered with; use another backup"));
	ck_assert_int_eq(read_path(path, "Wrong!Pass#2026", NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_msg(strstr(err.message, phrase) != NULL, "%s", err.message);
}

START_TEST(test_iterations_capped)
{
	const char *path = tu_path(dir, "forged.pem");
	static const unsigned char over[] = { 0x00, 0x98, 0x96, 0x81 };
	static const unsigned char int_max[] = { 0x7f, 0xff, 0xff, 0xff };
	static const unsigned char int64_max[] = { 0x7f, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff };
	static const unsigned char huge[] = { 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char minus_one[] = { 0xff };
	static const unsigned char cheap[] = { 0x08, 0x00 };   /* 2,048 */
	static const unsigned char fair[] = { 0x03, 0x0d, 0x40 };   /* 200,000 */
	rs_error err = { 0 };

	forge(path, pbkdf2_oid + 2, 9, over, sizeof over);
	assert_refused(path,
	    "asks for 10000001 PBKDF2 iterations (more than 10,000,000)");
	forge(path, pbkdf2_oid + 2, 9, int_max, sizeof int_max);
	assert_refused(path,
	    "asks for 2147483647 PBKDF2 iterations (more than 10,000,000)");
	forge(path, pbkdf2_oid + 2, 9, int64_max, sizeof int64_max);
	assert_refused(path,
	    "asks for 9223372036854775807 PBKDF2 iterations (more than 10,000,000)");
	/* 2^64: more than any count can be read as. */
	forge(path, pbkdf2_oid + 2, 9, huge, sizeof huge);
	assert_refused(path, "key derivation cannot be read");
	forge(path, pbkdf2_oid + 2, 9, minus_one, sizeof minus_one);
	assert_refused(path, "key derivation cannot be read");
	/* Stock openssl's 2,048 is below the floor: refused at once. */
	forge(path, pbkdf2_oid + 2, 9, cheap, sizeof cheap);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message,
	    "asks for only 2048 PBKDF2 iterations (fewer than 100,000)"));
	/* Between floor and cap the file goes on to OpenSSL as before: the
	 * count is part of the key derivation, so this one is a wrong
	 * password. */
	forge(path, pbkdf2_oid + 2, 9, fair, sizeof fair);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_PASSWORD);
}
END_TEST

/* OpenSSL tries every password block in turn, so the cap is on their
 * total: two of 6,000,000 are refused.  (Made with 2,048 each, cheap, then
 * patched.) */
START_TEST(test_iterations_capped_in_total)
{
	const char *path = tu_path(dir, "two.pem");
	const char *payload = payload_with("rsconfig-key-backup 1", NULL, "");
	static const unsigned char six_million[] = { 0x5b, 0x8d, 0x80 };
	BIO *in = BIO_new_mem_buf(payload, (int)strlen(payload));
	CMS_ContentInfo *cms = CMS_encrypt(NULL, in, EVP_aes_256_cbc(),
	    CMS_PARTIAL | CMS_BINARY);
	unsigned char *der = NULL, *at;
	int i, len, n = 0;

	ck_assert_ptr_nonnull(cms);
	for (i = 0; i < 2; i++)
		ck_assert_ptr_nonnull(CMS_add0_recipient_password(cms, 2048,
		    NID_id_alg_PWRI_KEK, NID_undef,
		    (unsigned char *)OPENSSL_strdup(PW), (ossl_ssize_t)strlen(PW),
		    NULL));
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	len = i2d_CMS_ContentInfo(cms, &der);
	ck_assert_int_gt(len, 0);
	for (at = der; (at = memmem(at, (size_t)(der + len - at), pbkdf2_oid,
	    sizeof pbkdf2_oid)) != NULL; at++, n++)
		patch_kdf(at, pbkdf2_oid + 2, 9, six_million, sizeof six_million);
	ck_assert_int_eq(n, 2);
	put_pem(path, der, len);
	assert_refused(path,
	    "asks for 12000000 PBKDF2 iterations (more than 10,000,000)");
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}
END_TEST

/* OpenSSL runs any password-based scheme it knows that a password block
 * names, at the cost the file asks for: here PKCS#12's
 * pbeWithSHAAnd3-KeyTripleDES-CBC (1.2.840.113549.1.12.1.3), whose key
 * generation would hash 2^31 times for the key and again for the IV. */
START_TEST(test_other_kdf_refused)
{
	const char *path = tu_path(dir, "forged.pem");
	static const unsigned char pkcs12_3des[] = { 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03 };
	static const unsigned char int_max[] = { 0x7f, 0xff, 0xff, 0xff };

	forge(path, pkcs12_3des, sizeof pkcs12_3des, int_max, sizeof int_max);
	assert_refused(path,
	    "derives its password key with pbeWithSHA1And3-KeyTripleDES-CBC instead of PBKDF2");
}
END_TEST

/* The header of the DER element at p: its size; the content's in *clen. */
static size_t der_head(const unsigned char *p, size_t *clen)
{
	size_t i, n = p[1] & 0x7f;

	if (p[1] < 0x80) {
		*clen = p[1];
		return 2;
	}
	for (*clen = 0, i = 0; i < n; i++)
		*clen = *clen << 8 | p[2 + i];
	return 2 + n;
}

/* Copies the DER element at in to out without the element at drop, the
 * lengths around it made right again; returns the bytes written. */
static size_t der_copy(const unsigned char *in, const unsigned char *drop,
    unsigned char *out)
{
	size_t clen, head = der_head(in, &clen), n = 0, k, len;
	unsigned char body[RS_BACKUP_MAX_FILE];

	if (in == drop)
		return 0;
	if ((in[0] & 0x20) == 0) {
		memcpy(out, in, head + clen);
		return head + clen;
	}
	for (k = 0; k < clen; k += der_head(in + head + k, &len) + len)
		n += der_copy(in + head + k, drop, body + n);
	out[0] = in[0];
	if (n < 0x80) {
		out[1] = (unsigned char)n;
		head = 2;
	} else if (n < 0x100) {
		out[1] = 0x81;
		out[2] = (unsigned char)n;
		head = 3;
	} else {
		out[1] = 0x82;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
		head = 4;
	}
	memcpy(out + head, body, n);
	return head + n;
}

/* keyDerivationAlgorithm is optional in RFC 3211, and OpenSSL 3.0
 * dereferences NULL without it (stock `openssl cms -decrypt` crashes). */
START_TEST(test_no_key_derivation_refused)
{
	const char *path = tu_path(dir, "forged.pem");
	long len = 0;
	unsigned char *der = good_der(&len), forged[RS_BACKUP_MAX_FILE];
	unsigned char *at = pbkdf2_at(der, len) - 2;   /* [0] { OID, params } */
	size_t n;

	ck_assert_int_eq(at[0], 0xa0);
	n = der_copy(der, at, forged);
	ck_assert_uint_lt(n, (size_t)len);   /* it still parses: see below */
	put_pem(path, forged, (long)n);
	assert_refused(path, "key derivation cannot be read");
	OPENSSL_free(der);
}
END_TEST

/* `openssl cms -encrypt -stream` writes BER with indefinite lengths: the
 * password block is still found (in OpenSSL's re-encoding). */
START_TEST(test_streamed_file_opens)
{
	const char *path = tu_path(dir, "stream.pem");
	const char *payload = payload_with("rsconfig-key-backup 1", NULL, "");
	BIO *in = BIO_new_mem_buf(payload, (int)strlen(payload));
	BIO *out = BIO_new_file(path, "w");
	CMS_ContentInfo *cms = CMS_encrypt(NULL, in, EVP_aes_256_cbc(),
	    CMS_PARTIAL | CMS_BINARY | CMS_STREAM);
	unsigned char *pass = (unsigned char *)OPENSSL_strdup(PW);
	rs_symkey *back = rs_symkey_new();
	rs_error err = { 0 };
	char *text;

	ck_assert_ptr_nonnull(cms);
	ck_assert_ptr_nonnull(CMS_add0_recipient_password(cms, 100000,
	    NID_id_alg_PWRI_KEK, NID_undef, pass, (ossl_ssize_t)strlen(PW),
	    NULL));
	ck_assert_int_eq(PEM_write_bio_CMS_stream(out, cms, in,
	    CMS_BINARY | CMS_STREAM), 1);
	BIO_free(out);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "-----BEGIN CMS-----\nMIAG"));
	free(text);   /* MIAG: SEQUENCE of indefinite length, then an OID */
	ck_assert_int_eq(read_path(path, PW, back, NULL, &err), RS_OK);
	ck_assert_int_eq(memcmp(back->bytes, key->bytes, RS_KEY_LEN), 0);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	rs_symkey_free(back);
}
END_TEST

START_TEST(test_payload_strict)
{
	const char *path = tu_path(dir, "hand.pem");
	rs_symkey *back = rs_symkey_new();
	rs_backup_meta m;
	rs_error err = { 0 };

	/* A hand-made file in the right format is accepted... */
	make_cms_file(path, payload_with("rsconfig-key-backup 1", NULL, ""), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_OK);
	ck_assert_int_eq(memcmp(back->bytes, key->bytes, RS_KEY_LEN), 0);
	ck_assert_uint_eq(m.generation, 3);
	/* ...and everything else is refused. */
	make_cms_file(path, payload_with("rsconfig-key-backup 2", NULL, ""), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	/* One message for every failure after the password (no oracle). */
	ck_assert_ptr_nonnull(strstr(err.message, UNUSABLE));
	make_cms_file(path, payload_with("something else 1", NULL, ""), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	make_cms_file(path, payload_with("rsconfig-key-backup 1",
	    "0000000000000000", ""), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, UNUSABLE));
	make_cms_file(path, payload_with("rsconfig-key-backup 1", NULL,
	    "extra: 1\n"), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	make_cms_file(path, payload_with("rsconfig-key-backup 1", NULL,
	    "generation: 4\n"), PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	make_cms_file(path, "rsconfig-key-backup 1\nkey: 00\n", PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	make_cms_file(path, "rsconfig-key-backup 1\n", PW);
	ck_assert_int_eq(read_path(path, PW, back, &m, &err), RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, UNUSABLE));
	/* The key was never touched by the refusals. */
	ck_assert_int_eq(memcmp(back->bytes, key->bytes, RS_KEY_LEN), 0);
	rs_symkey_free(back);
}
END_TEST

START_TEST(test_foreign_cms)
{
	const char *path = tu_path(dir, "data.pem");
	BIO *in = BIO_new_mem_buf("hello", 5);
	BIO *out = BIO_new_file(path, "w");
	CMS_ContentInfo *cms = CMS_data_create(in, CMS_BINARY);
	rs_error err = { 0 };

	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(PEM_write_bio_CMS(out, cms), 1);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
	    RS_ERR_BAD_FILE);
	ck_assert_ptr_nonnull(strstr(err.message, "not a password-protected"));
}
END_TEST

START_TEST(test_no_overwrite)
{
	const char *path = tu_path(dir, "key.pem");
	rs_symkey *other = rs_symkey_new(), *back = rs_symkey_new();
	rs_error err = { 0 };
	char *before, *after;

	put_file(path, good_file, good_len);
	ck_assert_int_eq(rs_symkey_generate(other, &err), RS_OK);
	ck_assert_int_eq(rs_backup_write(path, PW, strlen(PW), other, NULL,
	    false, &err), RS_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(err.message, "already exists"));
	ck_assert_ptr_nonnull(strstr(err.message, "--overwrite"));
	after = tu_read_file(path, NULL);
	ck_assert_str_eq(after, good_file);
	free(after);
	ck_assert_int_eq(count_temp_files(), 0);

	/* With overwrite the new key replaces the old file. */
	before = tu_read_file(path, NULL);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_backup_write(path, PW, strlen(PW), other, NULL,
	    true, &err), RS_OK);
	ck_assert_int_eq(read_path(path, PW, back, NULL, &err), RS_OK);
	ck_assert_int_eq(memcmp(back->bytes, other->bytes, RS_KEY_LEN), 0);
	ck_assert_int_eq(count_temp_files(), 0);
	free(before);
	rs_symkey_free(other);
	rs_symkey_free(back);
}
END_TEST

START_TEST(test_write_refusals)
{
	rs_error err = { 0 };
	rs_backup_meta bad = meta;

	/* A folder that does not exist: nothing is created. */
	ck_assert_int_eq(rs_backup_write(tu_path(dir, "no/such/key.pem"), PW,
	    strlen(PW), key, &meta, false, &err), RS_ERR_IO);
	rs_err_clear(&err);
	ck_assert_int_eq(rs_backup_write(tu_path(dir, "k.pem"), PW, 0, key,
	    &meta, false, &err), RS_ERR_POLICY);
	rs_err_clear(&err);
	snprintf(bad.machine, sizeof bad.machine, "evil\nkey: 00");
	ck_assert_int_eq(rs_backup_write(tu_path(dir, "k.pem"), PW,
	    strlen(PW), key, &bad, false, &err), RS_ERR_INTERNAL);
	rs_err_clear(&err);
	bad = meta;
	snprintf(bad.kcv, sizeof bad.kcv, "0000000000000000");
	ck_assert_int_eq(rs_backup_write(tu_path(dir, "k.pem"), PW,
	    strlen(PW), key, &bad, false, &err), RS_ERR_INTERNAL);
	ck_assert_int_ne(access(tu_path(dir, "k.pem"), F_OK), 0);
	ck_assert_int_eq(count_temp_files(), 0);
}
END_TEST

/* A new backup is AuthEnvelopedData with AES-256-GCM content and a
 * password block deriving with PBKDF2-HMAC-SHA256 and a 16-byte salt. */
START_TEST(test_format_authenticated_sha256)
{
	static const unsigned char auth_env[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };
	static const unsigned char gcm[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x01, 0x2e };
	static const unsigned char sha256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x02, 0x09 };
	long len = 0;
	unsigned char *der = good_der(&len), *at = pbkdf2_at(der, len);

	ck_assert_ptr_nonnull(memmem(der, (size_t)len, auth_env, sizeof auth_env));
	ck_assert_ptr_nonnull(memmem(der, (size_t)len, gcm, sizeof gcm));
	ck_assert_ptr_nonnull(memmem(der, (size_t)len, sha256, sizeof sha256));
	/* PBKDF2 OID, SEQUENCE, OCTET STRING of 16 bytes. */
	ck_assert_int_eq(at[sizeof pbkdf2_oid], 0x30);
	ck_assert_int_eq(at[sizeof pbkdf2_oid + 2], 0x04);
	ck_assert_int_eq(at[sizeof pbkdf2_oid + 3], 16);
	OPENSSL_free(der);
}
END_TEST

/* The content is authenticated: any changed byte of the content or its tag
 * is refused with the same message and status as every other failure
 * after the password (no padding oracle). */
START_TEST(test_altered_content_one_answer)
{
	const char *path = tu_path(dir, "key.pem");
	static const unsigned char data_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
	long len = 0, i, from;
	unsigned char *der = good_der(&len);
	unsigned char *eci = memmem(der, (size_t)len, data_oid, sizeof data_oid);
	rs_error err = { 0 };
	int tried = 0;

	ck_assert_ptr_nonnull(eci);
	/* The ciphertext's last 150 bytes, then the tag (the last 16, after
	 * its OCTET STRING header). */
	from = len - 18 - 150;
	ck_assert_int_gt(from, (long)(eci - der) + 40);
	for (i = from; i < len; i += 7, tried++) {
		if (i == len - 18 || i == len - 17)
			continue;
		der[i] ^= 0x01;
		put_pem(path, der, len);
		der[i] ^= 0x01;
		ck_assert_int_eq(read_path(path, PW, NULL, NULL, &err),
		    RS_ERR_BAD_FILE);
		ck_assert_msg(strstr(err.message, UNUSABLE) != NULL,
		    "offset %ld: %s", i, err.message);
	}
	ck_assert_int_ge(tried, 10);
	OPENSSL_free(der);
}
END_TEST

/* Stock `openssl cms -encrypt` without -binary makes the payload's line
 * ends CRLF: such a file restores. */
START_TEST(test_crlf_payload_opens)
{
	const char *path = tu_path(dir, "crlf.pem");
	const char *payload = payload_with("rsconfig-key-backup 1", NULL, "");
	BIO *in = BIO_new_mem_buf(payload, (int)strlen(payload));
	BIO *out = BIO_new_file(path, "w"), *plain = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = CMS_encrypt(NULL, in, EVP_aes_256_cbc(),
	    CMS_PARTIAL);
	unsigned char *pass = (unsigned char *)OPENSSL_strdup(PW);
	rs_symkey *back = rs_symkey_new();
	rs_error err = { 0 };
	char *text;

	ck_assert_ptr_nonnull(CMS_add0_recipient_password(cms, 100000,
	    NID_id_alg_PWRI_KEK, NID_undef, pass, (ossl_ssize_t)strlen(PW),
	    NULL));
	ck_assert_int_eq(CMS_final(cms, in, NULL, 0), 1);
	ck_assert_int_eq(PEM_write_bio_CMS(out, cms), 1);
	BIO_free(out);
	/* The payload really has CRLF in it.  Read back from the file: setting
	 * a password on cms again would drop (leak) the one it holds. */
	CMS_ContentInfo_free(cms);
	out = BIO_new_file(path, "r");
	cms = PEM_read_bio_CMS(out, NULL, NULL, NULL);
	BIO_free(out);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(CMS_decrypt_set1_password(cms, (unsigned char *)PW,
	    (ossl_ssize_t)strlen(PW)), 1);
	ck_assert_int_eq(CMS_decrypt(cms, NULL, NULL, NULL, plain, CMS_BINARY), 1);
	ck_assert_int_gt(BIO_get_mem_data(plain, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "rsconfig-key-backup 1\r\nkey: "));
	ck_assert_int_eq(read_path(path, PW, back, NULL, &err), RS_OK);
	ck_assert_int_eq(memcmp(back->bytes, key->bytes, RS_KEY_LEN), 0);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(plain);
	rs_symkey_free(back);
}
END_TEST

/* The promise of the format: stock openssl opens it with the password given
 * literally (see FIELD-NOTES: -pwri_password takes no pass: prefix). */
START_TEST(test_stock_openssl)
{
	const char *path = tu_path(dir, "key.pem");
	char cmd[PATH_MAX + 200], line[256], want[128];
	bool found = false;
	FILE *p;
	int status;

	put_file(path, good_file, good_len);
	snprintf(cmd, sizeof cmd, "openssl cms -decrypt -inform PEM -in '%s' "
	    "-pwri_password '%s' 2>/dev/null", path, PW);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	snprintf(want, sizeof want, "key: %s", key_hex);
	while (fgets(line, sizeof line, p) != NULL)
		if (strncmp(line, want, strlen(want)) == 0)
			found = true;
	status = pclose(p);
	ck_assert_msg(found, "openssl output has no \"%s\"", want);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	snprintf(cmd, sizeof cmd, "openssl cms -decrypt -inform PEM -in '%s' "
	    "-pwri_password 'wrong' >/dev/null 2>&1", path);
	status = system(cmd);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}
END_TEST

static Suite *backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_missing_empty_garbage);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_altered_content);
	tcase_add_test(tc, test_altered_password_block);
	tcase_add_test(tc, test_iterations_capped);
	tcase_add_test(tc, test_iterations_capped_in_total);
	tcase_add_test(tc, test_other_kdf_refused);
	tcase_add_test(tc, test_no_key_derivation_refused);
	tcase_add_test(tc, test_streamed_file_opens);
	tcase_add_test(tc, test_payload_strict);
	tcase_add_test(tc, test_foreign_cms);
	tcase_add_test(tc, test_no_overwrite);
	tcase_add_test(tc, test_write_refusals);
	tcase_add_test(tc, test_stock_openssl);
	tcase_add_test(tc, test_format_authenticated_sha256);
	tcase_add_test(tc, test_altered_content_one_answer);
	tcase_add_test(tc, test_crlf_payload_opens);
	suite_add_tcase(s, tc);
	return s;
}

/* Makes the shared key and one good backup file. */
static int make_fixture(void)
{
	char path[PATH_MAX];
	const char *tmp;
	rs_error err = { 0 };
	size_t i;

	key = rs_symkey_new();
	if (key == NULL || rs_symkey_generate(key, &err) != RS_OK)
		return -1;
	for (i = 0; i < RS_KEY_LEN; i++)
		snprintf(key_hex + 2 * i, 3, "%02x", key->bytes[i]);
	rs_symkey_kcv(key, meta.kcv);
	meta.generation = 7;
	snprintf(meta.installation_id, sizeof meta.installation_id, IID);
	snprintf(meta.database_id, sizeof meta.database_id, DBID);
	snprintf(meta.machine, sizeof meta.machine, "reports01");
	snprintf(meta.instance, sizeof meta.instance, "MSSQLSERVER");
	meta.created = 1795482123;
	tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/rsbackup-fixture.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(path) == NULL)
		return -1;
	strcat(path, "/good.pem");
	if (rs_backup_write(path, PW, strlen(PW), key, &meta, false, &err)
	    != RS_OK) {
		fprintf(stderr, "fixture: %s\n", err.message);
		return -1;
	}
	good_file = tu_read_file(path, &good_len);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return good_file != NULL ? 0 : -1;
}

int main(void)
{
	int rc;

	if (make_fixture() != 0)
		return 99;
	rc = tu_run(backup_suite());
	rs_symkey_free(key);
	free(good_file);
	return rc;
}
