/* SPDX-License-Identifier: ISC */
/* backup_seal.c: writes the backup's CMS AuthEnvelopedData by hand.
 *
 * OpenSSL 3.0 makes AuthEnvelopedData (AES-256-GCM: the content is
 * authenticated, so an altered file is refused before its content is
 * read), but its password recipient always derives with PBKDF2-HMAC-SHA1
 * and exports no setter for the PRF.  So the DER is assembled here from
 * public calls (FIELD-NOTES, "Stronger backups"): PBKDF2-HMAC-SHA256 with a
 * 16-byte salt, the RFC 3211 key wrap, RFC 5083 AuthEnvelopedData.  Stock
 * `openssl cms -decrypt -pwri_password` opens it; the file is read back
 * with d2i_CMS_ContentInfo before it is written. */
#include <config.h>

#include <string.h>
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "backup_seal.h"
#include "secret.h"

#define CEK_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define SALT_LEN 16
#define WRAP_LEN 48    /* 1 + 3 check bytes + 32, padded to 3 blocks */

/* A growing DER buffer; a failed step makes every later one a no-op. */
struct dbuf {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct dbuf *b, const void *data, size_t n)
{
	unsigned char *q;

	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		q = OPENSSL_realloc(b->p, b->len + n + 256);
		if (q == NULL) {
			b->failed = true;
			return;
		}
		b->p = q;
		b->cap = b->len + n + 256;
	}
	if (n > 0)      /* data may be NULL for an empty part */
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Tag, definite length, content. */
static void put_tlv(struct dbuf *b, unsigned char tag, const void *c, size_t n)
{
	unsigned char h[5] = { tag };
	size_t hl = 2;

	if (n < 0x80) {
		h[1] = (unsigned char)n;
	} else if (n < 0x100) {
		h[1] = 0x81;
		h[2] = (unsigned char)n;
		hl = 3;
	} else if (n < 0x10000) {
		h[1] = 0x82;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 0x83;
		h[2] = (unsigned char)(n >> 16);
		h[3] = (unsigned char)(n >> 8);
		h[4] = (unsigned char)n;
		hl = 5;
	}
	put(b, h, hl);
	put(b, c, n);
}

/* Wraps b's content in one element and frees the inner buffer. */
static void wrap_into(struct dbuf *outer, unsigned char tag, struct dbuf *inner)
{
	if (inner->failed)
		outer->failed = true;
	else
		put_tlv(outer, tag, inner->p, inner->len);
	OPENSSL_free(inner->p);
	memset(inner, 0, sizeof *inner);
}

static void put_oid(struct dbuf *b, int nid)
{
	const ASN1_OBJECT *obj = OBJ_nid2obj(nid);
	unsigned char *der = NULL;
	int n = obj != NULL ? i2d_ASN1_OBJECT(obj, &der) : -1;

	if (n <= 0)
		b->failed = true;
	else
		put(b, der, (size_t)n);
	OPENSSL_free(der);
}

static void put_small_int(struct dbuf *b, unsigned char v)
{
	put_tlv(b, 0x02, &v, 1);
}

/* keyDerivationAlgorithm [0]: PBKDF2 { salt, iter, hmacWithSHA256 }. */
static void put_kdf(struct dbuf *b, const unsigned char *salt, int iter)
{
	X509_ALGOR *alg = PKCS5_pbkdf2_set(iter, (unsigned char *)salt,
	    SALT_LEN, NID_hmacWithSHA256, -1);
	unsigned char *der = NULL;
	int n = alg != NULL ? i2d_X509_ALGOR(alg, &der) : -1;

	if (n <= 2) {
		b->failed = true;
	} else {
		der[0] = 0xa0;   /* [0] IMPLICIT AlgorithmIdentifier */
		put(b, der, (size_t)n);
	}
	OPENSSL_free(der);
	X509_ALGOR_free(alg);
}

/* RFC 3211 wrap of cek under kek: encrypted twice in one CBC context, so
 * the second pass chains from the first one's last block. */
static bool kek_wrap(const unsigned char *kek, const unsigned char *iv,
    const unsigned char *cek, unsigned char *out)
{
	unsigned char blk[WRAP_LEN];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	bool ok;

	blk[0] = CEK_LEN;
	blk[1] = (unsigned char)~cek[0];
	blk[2] = (unsigned char)~cek[1];
	blk[3] = (unsigned char)~cek[2];
	memcpy(blk + 4, cek, CEK_LEN);
	ok = ctx != NULL && RAND_bytes(blk + 4 + CEK_LEN, WRAP_LEN - 4 - CEK_LEN) == 1
	    && EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, kek, iv) == 1
	    && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1
	    && EVP_EncryptUpdate(ctx, out, &n1, blk, WRAP_LEN) == 1
	    && EVP_EncryptUpdate(ctx, out, &n2, out, WRAP_LEN) == 1
	    && n1 == WRAP_LEN && n2 == WRAP_LEN;
	rs_wipe(blk, sizeof blk);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* PasswordRecipientInfo [3] { 0, kdf, PWRI-KEK(AES-256-CBC iv), wrapped }. */
static void put_pwri(struct dbuf *b, const char *pw, size_t pwlen, int iter,
    const unsigned char *cek)
{
	unsigned char salt[SALT_LEN], iv[16], wrapped[WRAP_LEN];
	unsigned char *kek = rs_secret_alloc(CEK_LEN);
	struct dbuf ri = { 0 }, alg = { 0 }, inner = { 0 };

	if (kek == NULL || RAND_bytes(salt, sizeof salt) != 1
	    || RAND_bytes(iv, sizeof iv) != 1
	    || PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, SALT_LEN, iter,
	    EVP_sha256(), CEK_LEN, kek) != 1
	    || !kek_wrap(kek, iv, cek, wrapped))
		b->failed = true;
	rs_secret_free(kek, CEK_LEN);
	put_small_int(&ri, 0);
	put_kdf(&ri, salt, iter);
	put_oid(&inner, NID_aes_256_cbc);
	put_tlv(&inner, 0x04, iv, sizeof iv);
	put_oid(&alg, NID_id_alg_PWRI_KEK);
	wrap_into(&alg, 0x30, &inner);
	wrap_into(&ri, 0x30, &alg);
	put_tlv(&ri, 0x04, wrapped, sizeof wrapped);
	wrap_into(b, 0xa3, &ri);
}

/* KeyTransRecipientInfo { 0, IssuerAndSerialNumber, rsaEncryption, key }:
 * PKCS#1 v1.5, what `openssl cms -encrypt -recip` writes by default. */
static void put_ktri(struct dbuf *b, X509 *cert, const unsigned char *cek)
{
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *ctx = pub != NULL ? EVP_PKEY_CTX_new(pub, NULL) : NULL;
	unsigned char *name = NULL, *serial = NULL, *enc = NULL;
	int nl = i2d_X509_NAME(X509_get_issuer_name(cert), &name);
	int sl = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &serial);
	struct dbuf ri = { 0 }, ias = { 0 }, alg = { 0 };
	size_t el = 0;

	if (ctx == NULL || nl <= 0 || sl <= 0 || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA
	    || EVP_PKEY_encrypt_init(ctx) != 1
	    || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1
	    || EVP_PKEY_encrypt(ctx, NULL, &el, cek, CEK_LEN) != 1
	    || (enc = OPENSSL_malloc(el)) == NULL
	    || EVP_PKEY_encrypt(ctx, enc, &el, cek, CEK_LEN) != 1) {
		b->failed = true;
	} else {
		put_small_int(&ri, 0);
		put(&ias, name, (size_t)nl);
		put(&ias, serial, (size_t)sl);
		wrap_into(&ri, 0x30, &ias);
		put_oid(&alg, NID_rsaEncryption);
		put_tlv(&alg, 0x05, NULL, 0);
		wrap_into(&ri, 0x30, &alg);
		put_tlv(&ri, 0x04, enc, el);
		wrap_into(b, 0x30, &ri);
	}
	OPENSSL_free(enc);
	OPENSSL_free(name);
	OPENSSL_free(serial);
	EVP_PKEY_CTX_free(ctx);
}

/* AES-256-GCM over the payload: ciphertext into ct, tag into tag. */
static bool gcm_seal(const unsigned char *cek, const unsigned char *nonce,
    const char *payload, size_t len, unsigned char *ct, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	bool ok = ctx != NULL
	    && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) == 1
	    && EVP_EncryptInit_ex(ctx, NULL, NULL, cek, nonce) == 1
	    && EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)payload,
	    (int)len) == 1
	    && EVP_EncryptFinal_ex(ctx, ct + n, &f) == 1
	    && (size_t)(n + f) == len
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) == 1;

	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* EncryptedContentInfo { id-data, AES-256-GCM { nonce, 16 }, [0] ct }. */
static void put_content(struct dbuf *b, const unsigned char *nonce,
    const unsigned char *ct, size_t len)
{
	struct dbuf eci = { 0 }, alg = { 0 }, gcm = { 0 };

	put_oid(&eci, NID_pkcs7_data);
	put_tlv(&gcm, 0x04, nonce, NONCE_LEN);
	put_small_int(&gcm, TAG_LEN);
	put_oid(&alg, NID_aes_256_gcm);
	wrap_into(&alg, 0x30, &gcm);
	wrap_into(&eci, 0x30, &alg);
	put_tlv(&eci, 0x80, ct, len);
	wrap_into(b, 0x30, &eci);
}

/* The recipients' SET: certificates first, then the password. */
static void put_recipients(struct dbuf *b, const rs_backup_to *to,
    const unsigned char *cek)
{
	struct dbuf set = { 0 };
	size_t i;

	for (i = 0; i < to->ncerts; i++)
		put_ktri(&set, to->certs[i], cek);
	if (to->password != NULL)
		put_pwri(&set, to->password, to->pwlen, to->iterations, cek);
	wrap_into(b, 0x31, &set);
}

unsigned char *rs_backup_seal(const char *payload, size_t len,
    const rs_backup_to *to, size_t *outlen)
{
	unsigned char nonce[NONCE_LEN], tag[TAG_LEN];
	unsigned char *cek = rs_secret_alloc(CEK_LEN);
	unsigned char *ct = OPENSSL_malloc(len + 1);
	struct dbuf ci = { 0 }, env = { 0 }, aed = { 0 };
	const unsigned char *p;
	CMS_ContentInfo *check = NULL;

	if (cek == NULL || ct == NULL || RAND_priv_bytes(cek, CEK_LEN) != 1
	    || RAND_bytes(nonce, sizeof nonce) != 1
	    || !gcm_seal(cek, nonce, payload, len, ct, tag))
		aed.failed = true;
	put_small_int(&aed, 0);
	put_recipients(&aed, to, cek);
	put_content(&aed, nonce, ct, len);
	put_tlv(&aed, 0x04, tag, TAG_LEN);
	rs_secret_free(cek, CEK_LEN);
	OPENSSL_free(ct);
	wrap_into(&env, 0x30, &aed);
	put_oid(&ci, NID_id_smime_ct_authEnvelopedData);
	wrap_into(&ci, 0xa0, &env);
	wrap_into(&aed, 0x30, &ci);   /* aed: reused for the outer element */
	p = aed.p;
	if (!aed.failed)
		check = d2i_CMS_ContentInfo(NULL, &p, (long)aed.len);
	if (check == NULL || p != aed.p + aed.len) {
		OPENSSL_free(aed.p);
		aed.p = NULL;
	}
	CMS_ContentInfo_free(check);
	*outlen = aed.len;
	return aed.p;
}
