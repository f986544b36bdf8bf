/* SPDX-License-Identifier: ISC */
/* crypto.c: the symmetric key, the AEAD that seals each value to its place,
 * the instance key pair and the RSA-OAEP wrapping of the symmetric key. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "crypto.h"
#include "secret.h"

#define SEAL_VERSION_1 1   /* AD: table, row, column (still opened) */
#define SEAL_VERSION 2     /* AD: database, table, row, name, column */
#define NONCE_LEN 12
#define TAG_LEN 16
#define HEADER_LEN (1 + 4 + NONCE_LEN)
#define AAD_LABEL_1 "rsconfig-value-v1"
#define AAD_LABEL "rsconfig-value-v2"
#define KCV_LABEL "rsconfig key check value"
#define KCV_HKDF_INFO "rsconfig key check value key v2"
#define WRAP_LABEL "rsconfig-wrapped-key-v2"
#define E_65537 65537

/* ---- the symmetric key ---- */

rs_symkey *rs_symkey_new(void)
{
	return rs_secret_alloc(sizeof(rs_symkey));
}

void rs_symkey_free(rs_symkey *key)
{
	rs_secret_free(key, sizeof *key);
}

int rs_symkey_generate(rs_symkey *key, rs_error *err)
{
	/* The private DRBG: key material never shares a stream with nonces. */
	if (RAND_priv_bytes(key->bytes, RS_KEY_LEN) != 1)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot make a new key: the random generator failed"));
	return RS_OK;
}

void rs_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* Decodes one RSA key of a known format.  PEM_read_bio_PrivateKey and
 * d2i_PUBKEY try every decoder OpenSSL 3 has (about 1 ms each); naming the
 * format makes it 0.2 ms, which matters for --status start-up. */
static EVP_PKEY *rsa_decode(const char *format, const char *structure,
    int selection, const unsigned char *data, size_t len)
{
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, format,
	    structure, "RSA", selection, NULL, NULL);

	if (dctx == NULL || OSSL_DECODER_from_data(dctx, &data, &len) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return pkey;
}

/* The whole of der is one key: a planted row with bytes after it (which
 * the decoder leaves unread) is not taken for that key (fuzz_member). */
static EVP_PKEY *public_from_der(const unsigned char *der, size_t len)
{
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER",
	    "SubjectPublicKeyInfo", "RSA", EVP_PKEY_PUBLIC_KEY, NULL, NULL);

	if (dctx == NULL || OSSL_DECODER_from_data(dctx, &der, &len) != 1
	    || len != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return pkey;
}

static void kcv_invalid(char out[RS_KCV_HEX_LEN + 1])
{
	/* Never a valid kcv (not hex), so it matches nothing. */
	memset(out, '?', RS_KCV_HEX_LEN);
	out[RS_KCV_HEX_LEN] = '\0';
}

static void kcv_hmac(const unsigned char *k, size_t k_len,
    char out[RS_KCV_HEX_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), k, (int)k_len, (const unsigned char *)KCV_LABEL,
	    strlen(KCV_LABEL), mac, &mac_len) == NULL
	    || mac_len < RS_KCV_HEX_LEN / 2) {
		kcv_invalid(out);
		return;
	}
	rs_hex_encode(mac, RS_KCV_HEX_LEN / 2, out);
	OPENSSL_cleanse(mac, sizeof mac);
}

/* The key that computes check values: HKDF-SHA256(key, info), so the
 * encryption key never keys HMAC itself.  k in secret memory. */
static int kcv_key(const rs_symkey *key, unsigned char *k, size_t k_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4];
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key->bytes, RS_KEY_LEN);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)KCV_HKDF_INFO, strlen(KCV_HKDF_INFO));
	params[3] = OSSL_PARAM_construct_end();
	ok = kctx != NULL && EVP_KDF_derive(kctx, k, k_len, params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok;
}

void rs_symkey_kcv(const rs_symkey *key, char out[RS_KCV_HEX_LEN + 1])
{
	unsigned char *k = rs_secret_alloc(RS_KEY_LEN);

	if (k == NULL || !kcv_key(key, k, RS_KEY_LEN))
		kcv_invalid(out);
	else
		kcv_hmac(k, RS_KEY_LEN, out);
	rs_secret_free(k, RS_KEY_LEN);
}

int rs_symkey_kcv_version(const rs_symkey *key, const char *kcv)
{
	char mine[RS_KCV_HEX_LEN + 1];
	int version = 0;

	if (kcv == NULL || strlen(kcv) != RS_KCV_HEX_LEN)
		return 0;
	rs_symkey_kcv(key, mine);
	if (CRYPTO_memcmp(mine, kcv, RS_KCV_HEX_LEN) == 0)
		version = 2;
	if (version == 0) {
		kcv_hmac(key->bytes, RS_KEY_LEN, mine);
		if (CRYPTO_memcmp(mine, kcv, RS_KCV_HEX_LEN) == 0)
			version = 1;
	}
	return version;
}

/* ---- the AEAD ---- */

#define NONCE_BATCH 256
#define RS_AEAD_ID_MAX 64

struct rs_aead {
	EVP_CIPHER_CTX *enc;   /* key schedule set once, nonce per value */
	EVP_CIPHER_CTX *dec;
	uint32_t generation;
	char database_id[RS_AEAD_ID_MAX + 1];
	/* Random nonces fetched NONCE_BATCH at a time: one RAND_bytes call
	 * per value costs as much as the encryption itself.  Nonces are
	 * public, so this buffer needs no secret memory.  Do not use one
	 * rs_aead on both sides of a fork(): both would take the same. */
	unsigned char nonces[NONCE_BATCH * NONCE_LEN];
	size_t nonce_next;     /* index of the next unused nonce */
};

rs_aead *rs_aead_new(const rs_symkey *key, uint32_t generation,
    const char *database_id, rs_error *err)
{
	rs_aead *aead;

	if (database_id == NULL || strlen(database_id) > RS_AEAD_ID_MAX)
		return rs_err(err, RS_ERR_INTERNAL, _("invalid database id")),
		    NULL;
	aead = calloc(1, sizeof *aead);
	if (aead == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory")), NULL;
	aead->generation = generation;
	snprintf(aead->database_id, sizeof aead->database_id, "%s",
	    database_id);
	aead->nonce_next = NONCE_BATCH;   /* empty: filled on first seal */
	aead->enc = EVP_CIPHER_CTX_new();
	aead->dec = EVP_CIPHER_CTX_new();
	if (aead->enc == NULL || aead->dec == NULL
	    || EVP_EncryptInit_ex(aead->enc, EVP_aes_256_gcm(), NULL,
	    key->bytes, NULL) != 1
	    || EVP_DecryptInit_ex(aead->dec, EVP_aes_256_gcm(), NULL,
	    key->bytes, NULL) != 1) {
		rs_aead_free(aead);
		rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot set up AES-256-GCM encryption"));
		return NULL;
	}
	return aead;
}

void rs_aead_free(rs_aead *aead)
{
	if (aead == NULL)
		return;
	/* EVP_CIPHER_CTX_free wipes the key schedule. */
	EVP_CIPHER_CTX_free(aead->enc);
	EVP_CIPHER_CTX_free(aead->dec);
	free(aead);
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
	    | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int aad_part(EVP_CIPHER_CTX *ctx, const void *data, size_t len)
{
	int outl;

	return len == 0 || (len <= INT32_MAX
	    && EVP_CipherUpdate(ctx, NULL, &outl, data, (int)len) == 1);
}

/* Writes the decimal form of v at the end of buf; returns its start. */
static char *decimal(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

static size_t put_part(unsigned char *at, const void *data, size_t len)
{
	memcpy(at, data, len);
	return len;
}

/* Builds the associated data on the stack (this runs for every value of
 * a key change) and feeds it in one call.  Version 2: "rsconfig-value-v2"
 * NUL database NUL table NUL row NUL name NUL column NUL generation;
 * version 1: the same without database and name.  Every part but the name
 * is a C string without NUL; the name is last but one of the variable
 * parts and cut at RS_ITEM_NAME_MAX bytes as the stores cut it, and the
 * column after it is one of a fixed catalogue, so the split is unique. */
static int aad_feed(EVP_CIPHER_CTX *ctx, const rs_aead *aead,
    const rs_value_place *place, uint32_t generation, int version)
{
	unsigned char aad[RS_AEAD_ID_MAX + RS_ITEM_NAME_MAX + 256];
	char num[24], *end = num + sizeof num, *row, *gen;
	const char *name = place->name ? place->name : "";
	size_t table_len = strlen(place->table);
	size_t column_len = strlen(place->column) + 1;
	size_t name_len = strnlen(name, RS_ITEM_NAME_MAX);
	size_t id_len = strlen(aead->database_id);
	size_t n = 0;
	uint64_t mag = place->row < 0 ? (uint64_t)0 - (uint64_t)place->row
	    : (uint64_t)place->row;

	if (table_len + column_len > 128)
		return 0;
	row = decimal(end, mag);
	if (place->row < 0)
		*--row = '-';
	if (version == SEAL_VERSION_1) {
		n += put_part(aad + n, AAD_LABEL_1, sizeof AAD_LABEL_1);
	} else {
		n += put_part(aad + n, AAD_LABEL, sizeof AAD_LABEL);
		n += put_part(aad + n, aead->database_id, id_len);
		aad[n++] = '\0';
	}
	n += put_part(aad + n, place->table, table_len);
	aad[n++] = '\0';
	n += put_part(aad + n, row, (size_t)(end - row));
	aad[n++] = '\0';
	if (version != SEAL_VERSION_1) {
		n += put_part(aad + n, name, name_len);
		aad[n++] = '\0';
	}
	n += put_part(aad + n, place->column, column_len);
	gen = decimal(num + sizeof num, generation);
	n += put_part(aad + n, gen, (size_t)(num + sizeof num - gen));
	return aad_part(ctx, aad, n);
}

/* Random 96-bit nonces: collisions stay negligible far beyond the number
 * of values one key seals (2^32 values give a 2^-33 chance). */
static int next_nonce(rs_aead *aead, unsigned char *nonce)
{
	if (aead->nonce_next == NONCE_BATCH) {
		if (RAND_bytes(aead->nonces, sizeof aead->nonces) != 1)
			return 0;
		aead->nonce_next = 0;
	}
	memcpy(nonce, aead->nonces + aead->nonce_next * NONCE_LEN, NONCE_LEN);
	aead->nonce_next++;
	return 1;
}

int rs_aead_seal(rs_aead *aead, const rs_value_place *place,
    const unsigned char *plain, size_t len, unsigned char *out,
    size_t *out_len, rs_error *err)
{
	unsigned char *nonce = out + 5;
	unsigned char *ct = out + HEADER_LEN;
	int outl = 0, finl = 0;

	if (len > INT32_MAX - RS_SEAL_OVERHEAD)
		return rs_err(err, RS_ERR_INTERNAL,
		    _("value too large to encrypt (%zu bytes)"), len);
	out[0] = SEAL_VERSION;
	put_be32(out + 1, aead->generation);
	if (next_nonce(aead, nonce) != 1)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encrypt a value: the random generator failed"));
	if (EVP_EncryptInit_ex(aead->enc, NULL, NULL, NULL, nonce) != 1
	    || !aad_feed(aead->enc, aead, place, aead->generation,
	    SEAL_VERSION)
	    || (len > 0 && EVP_EncryptUpdate(aead->enc, ct, &outl, plain,
	    (int)len) != 1)
	    || EVP_EncryptFinal_ex(aead->enc, ct + outl, &finl) != 1
	    || EVP_CIPHER_CTX_ctrl(aead->enc, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    ct + len) != 1)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encrypt a value of %s.%s"), place->table,
		    place->column);
	*out_len = len + RS_SEAL_OVERHEAD;
	return RS_OK;
}

int rs_aead_open(rs_aead *aead, const rs_value_place *place,
    const unsigned char *sealed, size_t len, unsigned char *plain,
    size_t *plain_len, uint32_t *generation)
{
	size_t ct_len;
	uint32_t gen;
	int outl = 0, finl = 0;

	if (len < RS_SEAL_OVERHEAD || len > INT32_MAX
	    || (sealed[0] != SEAL_VERSION && sealed[0] != SEAL_VERSION_1))
		return RS_OPEN_MALFORMED;
	gen = get_be32(sealed + 1);
	if (generation != NULL)
		*generation = gen;
	if (gen != aead->generation)
		return RS_OPEN_OTHER_GENERATION;
	ct_len = len - RS_SEAL_OVERHEAD;
	if (EVP_DecryptInit_ex(aead->dec, NULL, NULL, NULL, sealed + 5) != 1
	    || !aad_feed(aead->dec, aead, place, gen, sealed[0])
	    || (ct_len > 0 && EVP_DecryptUpdate(aead->dec, plain, &outl,
	    sealed + HEADER_LEN, (int)ct_len) != 1)
	    || EVP_CIPHER_CTX_ctrl(aead->dec, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    (void *)(sealed + HEADER_LEN + ct_len)) != 1
	    || EVP_DecryptFinal_ex(aead->dec, plain + outl, &finl) != 1) {
		/* Never hand out plaintext that failed authentication. */
		rs_wipe(plain, ct_len);
		ERR_clear_error();
		return RS_OPEN_AUTH_FAILED;
	}
	*plain_len = ct_len;
	return RS_OPEN_OK;
}

const char *rs_open_status_text(int status)
{
	switch (status) {
	case RS_OPEN_OK:
		return _("decrypted");
	case RS_OPEN_MALFORMED:
		return _("not an encrypted value (too short or unknown format)");
	case RS_OPEN_OTHER_GENERATION:
		return _("encrypted under another key generation");
	case RS_OPEN_AUTH_FAILED:
		return _("does not decrypt: wrong key, moved to another place or database, or altered");
	default:
		return _("unknown status");
	}
}

/* ---- the instance key pair ---- */

struct rs_keypair {
	EVP_PKEY *pkey;
};

static rs_keypair *keypair_wrap(EVP_PKEY *pkey, rs_error *err)
{
	rs_keypair *kp = calloc(1, sizeof *kp);

	if (kp == NULL) {
		EVP_PKEY_free(pkey);
		rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
		return NULL;
	}
	kp->pkey = pkey;
	return kp;
}

int rs_keypair_generate(rs_keypair **out, rs_error *err)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)RS_RSA_BITS);

	*out = NULL;
	if (pkey == NULL)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot make an RSA-%d key pair"), RS_RSA_BITS);
	*out = keypair_wrap(pkey, err);
	return *out != NULL ? RS_OK : RS_ERR_INTERNAL;
}

void rs_keypair_free(rs_keypair *kp)
{
	if (kp == NULL)
		return;
	EVP_PKEY_free(kp->pkey);   /* OpenSSL clears the private numbers */
	free(kp);
}

int rs_keypair_public_der(const rs_keypair *kp, unsigned char **der,
    size_t *len, rs_error *err)
{
	unsigned char *tmp = NULL;
	int n = i2d_PUBKEY(kp->pkey, &tmp);

	*der = NULL;
	*len = 0;
	if (n <= 0)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encode the public key"));
	/* Callers free with free(), not OPENSSL_free. */
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(tmp);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	memcpy(*der, tmp, (size_t)n);
	OPENSSL_free(tmp);
	*len = (size_t)n;
	return RS_OK;
}

bool rs_keypair_matches(const rs_keypair *kp, const unsigned char *pub_der,
    size_t len)
{
	EVP_PKEY *pub;
	bool same;

	if (kp == NULL || pub_der == NULL)
		return false;
	pub = public_from_der(pub_der, len);
	same = pub != NULL && EVP_PKEY_eq(pub, kp->pkey) == 1;
	EVP_PKEY_free(pub);
	ERR_clear_error();
	return same;
}

int rs_keypair_to_pem(const rs_keypair *kp, char **pem, size_t *len,
    rs_error *err)
{
	/* A secure-memory BIO wipes its buffer, including on growth. */
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long n;
	int rc = RS_OK;

	*pem = NULL;
	*len = 0;
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, kp->pkey, NULL, NULL,
	    0, NULL, NULL) != 1) {
		BIO_free(bio);
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encode the private key"));
	}
	n = BIO_get_mem_data(bio, &data);
	*pem = n > 0 ? rs_secret_alloc((size_t)n + 1) : NULL;
	if (*pem == NULL) {
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	} else {
		memcpy(*pem, data, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(bio);
	return rc;
}

/* A bit flipped in a stored key still parses.  These identities catch it
 * in microseconds: n = pq, dp = d mod (p-1), dq = d mod (q-1), e dp = 1
 * mod (p-1), e dq = 1 mod (q-1), qinv q = 1 mod p.  (OpenSSL's
 * EVP_PKEY_pairwise_check tests primality too: 300 ms for RSA-3072.) */
enum { K_N, K_E, K_D, K_P, K_Q, K_DP, K_DQ, K_QINV, K_COUNT };

static int crt_half_ok(BIGNUM *const *k, int prime, int exponent,
    BIGNUM *t, BIGNUM *m, BN_CTX *bn)
{
	return BN_sub(m, k[prime], BN_value_one())
	    && BN_mod(t, k[K_D], m, bn) && BN_cmp(t, k[exponent]) == 0
	    && BN_mod_mul(t, k[K_E], k[exponent], m, bn) && BN_is_one(t);
}

static int pairwise_ok(EVP_PKEY *pkey)
{
	static const char *const names[K_COUNT] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	BIGNUM *k[K_COUNT] = { NULL };
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *t = BN_secure_new(), *m = BN_secure_new();
	int ok = bn != NULL && t != NULL && m != NULL;

	for (int i = 0; ok && i < K_COUNT; i++)
		ok = EVP_PKEY_get_bn_param(pkey, names[i], &k[i]) == 1;
	ok = ok && BN_mul(t, k[K_P], k[K_Q], bn) && BN_cmp(t, k[K_N]) == 0
	    && crt_half_ok(k, K_P, K_DP, t, m, bn)
	    && crt_half_ok(k, K_Q, K_DQ, t, m, bn)
	    && BN_mod_mul(t, k[K_QINV], k[K_Q], k[K_P], bn) && BN_is_one(t);
	for (int i = 0; i < K_COUNT; i++)
		BN_clear_free(k[i]);
	BN_clear_free(t);
	BN_clear_free(m);
	BN_CTX_free(bn);
	return ok;
}

int rs_keypair_from_pem(const char *pem, size_t len, rs_keypair **out,
    rs_error *err)
{
	EVP_PKEY *pkey;

	*out = NULL;
	if (len > INT32_MAX)
		return rs_err(err, RS_ERR_CRYPTO, _("private key file too large"));
	pkey = rsa_decode("PEM", NULL, EVP_PKEY_KEYPAIR,
	    (const unsigned char *)pem, len);
	if (pkey == NULL)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("the private key is damaged or not a PEM private key"));
	if (!EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_get_bits(pkey) < RS_RSA_BITS) {
		EVP_PKEY_free(pkey);
		return rs_err(err, RS_ERR_CRYPTO,
		    _("the private key is not an RSA key of at least %d bits"),
		    RS_RSA_BITS);
	}
	if (!pairwise_ok(pkey)) {
		EVP_PKEY_free(pkey);
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("the private key is damaged (its numbers do not fit together)"));
	}
	*out = keypair_wrap(pkey, err);
	return *out != NULL ? RS_OK : RS_ERR_INTERNAL;
}

/* ---- member public keys ---- */

/* An RSA modulus is odd; an even one cannot be wrapped for (Montgomery
 * arithmetic).  Not EVP_PKEY_public_check: its Miller-Rabin step decides
 * some composites by chance, so a planted key could pass the check and
 * then fail the wrap (fuzz_member found both). */
static bool public_valid(EVP_PKEY *pub)
{
	BIGNUM *n = NULL;
	bool ok = EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) == 1
	    && BN_is_odd(n);

	BN_free(n);
	return ok;
}

static int public_check(EVP_PKEY *pub, rs_error *err)
{
	BIGNUM *e = NULL;
	int bits, rc = RS_OK;

	if (pub == NULL || !EVP_PKEY_is_a(pub, "RSA"))
		return rs_err(err, RS_ERR_CRYPTO, _("not an RSA public key"));
	bits = EVP_PKEY_get_bits(pub);
	if (bits < RS_RSA_BITS)
		return rs_err(err, RS_ERR_CRYPTO, _("an RSA key of %d bits; at "
		    "least %d are required"), bits, RS_RSA_BITS);
	if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) != 1
	    || !BN_is_word(e, E_65537)) {
		char *dec = e ? BN_bn2dec(e) : NULL;

		rc = rs_err(err, RS_ERR_CRYPTO, _("an RSA key with public "
		    "exponent %s; only 65537 is accepted"), dec ? dec : "?");
		OPENSSL_free(dec);
	}
	BN_free(e);
	/* A planted row's modulus may be anything (fuzz_member found an even
	 * one, which could never be wrapped for). */
	if (rc == RS_OK && !public_valid(pub))
		rc = rs_err(err, RS_ERR_CRYPTO, "%s", _("an RSA public key "
		    "whose modulus is not valid"));
	ERR_clear_error();
	return rc;
}

int rs_public_key_check(const unsigned char *pub_der, size_t len,
    rs_error *err)
{
	EVP_PKEY *pub = public_from_der(pub_der, len);
	int rc = public_check(pub, err);

	EVP_PKEY_free(pub);
	return rc;
}

/* ---- wrapping the symmetric key ---- */

/* "rsconfig-wrapped-key-v2" NUL database NUL installation NUL generation
 * in label (at least 160 bytes); returns its length, 0 when too long. */
static size_t wrap_label(const rs_wrap_label *l, unsigned char *label,
    size_t size)
{
	int n = snprintf((char *)label, size, "%s%c%s%c%s%c%" PRIu32,
	    WRAP_LABEL, 0, l->database_id ? l->database_id : "", 0,
	    l->installation_id ? l->installation_id : "", 0, l->generation);

	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* OAEP-SHA256, labelled when label is not NULL (set0 takes a copy made
 * with OPENSSL_malloc: the context frees it). */
static int oaep_setup(EVP_PKEY_CTX *ctx, const rs_wrap_label *l)
{
	unsigned char label[256], *copy;
	size_t n;

	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0
	    || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0
	    || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0)
		return 0;
	if (l == NULL)
		return 1;
	n = wrap_label(l, label, sizeof label);
	copy = n > 0 ? OPENSSL_memdup(label, n) : NULL;
	if (copy == NULL)
		return 0;
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, (int)n) <= 0) {
		OPENSSL_free(copy);
		return 0;
	}
	return 1;
}

int rs_key_wrap(const unsigned char *pub_der, size_t pub_len,
    const rs_symkey *key, const rs_wrap_label *label,
    unsigned char **wrapped, size_t *wrapped_len, rs_error *err)
{
	EVP_PKEY *pub = public_from_der(pub_der, pub_len);
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = 0;
	int rc = RS_OK;

	*wrapped = NULL;
	*wrapped_len = 0;
	if (public_check(pub, err) != RS_OK) {
		EVP_PKEY_free(pub);
		return RS_ERR_CRYPTO;
	}
	ctx = EVP_PKEY_CTX_new(pub, NULL);
	if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1
	    || !oaep_setup(ctx, label)
	    || EVP_PKEY_encrypt(ctx, NULL, &n, key->bytes, RS_KEY_LEN) != 1
	    || (*wrapped = malloc(n)) == NULL
	    || EVP_PKEY_encrypt(ctx, *wrapped, &n, key->bytes, RS_KEY_LEN) != 1) {
		free(*wrapped);
		*wrapped = NULL;
		rc = rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("cannot encrypt the key for a member's public key"));
	} else {
		*wrapped_len = n;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pub);
	return rc;
}

static int unwrap_with(const rs_keypair *kp, const unsigned char *wrapped,
    size_t wrapped_len, const rs_wrap_label *label, rs_symkey *key)
{
	unsigned char out[1024];   /* an RSA-8192 block at most */
	size_t n = sizeof out;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(kp->pkey, NULL);
	int ok;

	ok = ctx != NULL && EVP_PKEY_decrypt_init(ctx) == 1
	    && oaep_setup(ctx, label)
	    && EVP_PKEY_decrypt(ctx, out, &n, wrapped, wrapped_len) == 1
	    && n == RS_KEY_LEN;
	if (ok)
		memcpy(key->bytes, out, RS_KEY_LEN);
	OPENSSL_cleanse(out, sizeof out);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int rs_key_unwrap(const rs_keypair *kp, const unsigned char *wrapped,
    size_t wrapped_len, const rs_wrap_label *label, rs_symkey *key,
    bool *legacy, rs_error *err)
{
	bool old = false;
	int ok = unwrap_with(kp, wrapped, wrapped_len, label, key);

	/* A copy from before labels: a label that does not fit fails the
	 * first try, and an unlabelled copy moved here still has to match
	 * the key check value. */
	if (!ok && label != NULL)
		ok = old = unwrap_with(kp, wrapped, wrapped_len, NULL, key);
	if (legacy)
		*legacy = old;
	if (!ok)
		return rs_err_ssl(err, RS_ERR_CRYPTO,
		    _("this instance's private key cannot decrypt its copy of the key (made for another key pair, for another database, member or generation, or damaged)"));
	ERR_clear_error();
	return RS_OK;
}

/* Fetched once: EVP_sha256() looks the digest up again on every use, and
 * --list fingerprints every member. */
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

static const EVP_MD *sha256(void)
{
	static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;

	if (!CRYPTO_THREAD_run_once(&once, sha256_fetch) || sha256_md == NULL)
		return EVP_sha256();
	return sha256_md;
}

void rs_public_fingerprint(const unsigned char *pub_der, size_t len,
    char out[RS_FINGERPRINT_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char hex[33];
	size_t o = 0;

	if (EVP_Digest(pub_der, len, md, &md_len, sha256(), NULL) != 1
	    || md_len < 16) {
		memset(out, '?', RS_FINGERPRINT_LEN);
		out[RS_FINGERPRINT_LEN] = '\0';
		return;
	}
	rs_hex_encode(md, 16, hex);
	for (size_t i = 0; i < 32; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ':';
		out[o++] = hex[i];
	}
	out[o] = '\0';
}
