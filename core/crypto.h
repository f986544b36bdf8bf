/* SPDX-License-Identifier: ISC */
/* crypto.h: the symmetric key, the AEAD that seals each value to its place,
 * the instance key pair and the wrapping of the symmetric key (RSA-OAEP).
 *
 * A sealed value is: version (1 byte) | key generation (4 bytes, big
 * endian) | nonce (12) | ciphertext | tag (16).  The associated data binds it
 * to its place and key generation, so a value moved to another place, or
 * left from another generation, does not open.  Version 2 (written now)
 * binds the database id, table, row id, item name and column; version 1
 * (still opened, re-sealed as 2 by the next key change) bound only table,
 * row id and column, so a value copied to another database sharing the key,
 * or two rows' names swapped, went unnoticed. */
#ifndef RS_CRYPTO_H
#define RS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define RS_KEY_LEN 32
#define RS_KCV_HEX_LEN 16
#define RS_SEAL_OVERHEAD (1 + 4 + 12 + 16)
#define RS_RSA_BITS 3072

/* Always in secret memory: make with rs_symkey_new, free with rs_symkey_free. */
typedef struct rs_symkey {
	unsigned char bytes[RS_KEY_LEN];
} rs_symkey;

rs_symkey *rs_symkey_new(void);               /* zeroed, NULL on ENOMEM */
void rs_symkey_free(rs_symkey *key);          /* wipes; NULL ok */
int rs_symkey_generate(rs_symkey *key, rs_error *err);
/* Key check value (version 2): first 8 bytes of HMAC-SHA256(k, "rsconfig
 * key check value") in lower-case hex, where k is derived from the key by
 * HKDF-SHA256 for this purpose alone, so the encryption key itself never
 * keys another primitive.  Says which key it is without revealing it. */
void rs_symkey_kcv(const rs_symkey *key, char out[RS_KCV_HEX_LEN + 1]);
/* Which version of check value kcv is for key: 2 (HKDF), 1 (the HMAC keyed
 * with the key itself, written before; still read, replaced when the key
 * next changes) or 0 (another key).  The two cannot be confused: both are
 * 64 bits of independent PRFs. */
int rs_symkey_kcv_version(const rs_symkey *key, const char *kcv);
static inline int rs_symkey_kcv_matches(const rs_symkey *key, const char *kcv)
{
	return rs_symkey_kcv_version(key, kcv) != 0;
}

/* Lower-case hex of len bytes into out (2 * len + 1 bytes, NUL-terminated). */
void rs_hex_encode(const unsigned char *in, size_t len, char *out);

/* Where a value lives: the item is its row id and its name (the name is
 * the item's identity for the admin; binding it means swapped names, or a
 * row id reused by another item, do not open).  The database id is the
 * rs_aead's. */
typedef struct rs_value_place {
	const char *table;
	int64_t row;
	const char *column;
	const char *name;        /* NULL: "" */
} rs_value_place;
#define RS_ITEM_NAME_MAX 255  /* bytes of the name bound (the store's limit) */

enum rs_open_status {
	RS_OPEN_OK = 0,
	RS_OPEN_MALFORMED,        /* too short or unknown version */
	RS_OPEN_OTHER_GENERATION, /* sealed under another key generation */
	RS_OPEN_AUTH_FAILED       /* wrong key, or moved, or altered */
};

/* A sealing context for one key, generation and database (its id, bound
 * into every value); reuse it for a batch.  Its key schedule lives in
 * OpenSSL's secure heap when rs_secure_heap_init ran. */
typedef struct rs_aead rs_aead;
rs_aead *rs_aead_new(const rs_symkey *key, uint32_t generation,
    const char *database_id, rs_error *err);
void rs_aead_free(rs_aead *aead);
/* out must hold len + RS_SEAL_OVERHEAD bytes. */
int rs_aead_seal(rs_aead *aead, const rs_value_place *place,
    const unsigned char *plain, size_t len, unsigned char *out,
    size_t *out_len, rs_error *err);
/* plain must hold len - RS_SEAL_OVERHEAD bytes (at least 1).  Returns an
 * rs_open_status; generation (may be NULL) receives the sealed generation
 * when the header is readable. */
int rs_aead_open(rs_aead *aead, const rs_value_place *place,
    const unsigned char *sealed, size_t len, unsigned char *plain,
    size_t *plain_len, uint32_t *generation);
const char *rs_open_status_text(int status); /* translated */

/* The instance key pair (RSA-3072). */
typedef struct rs_keypair rs_keypair;
int rs_keypair_generate(rs_keypair **out, rs_error *err);
void rs_keypair_free(rs_keypair *kp);
/* DER SubjectPublicKeyInfo; *der is malloc'd, caller frees. */
int rs_keypair_public_der(const rs_keypair *kp, unsigned char **der,
    size_t *len, rs_error *err);
bool rs_keypair_matches(const rs_keypair *kp, const unsigned char *pub_der,
    size_t len);
/* PEM PKCS#8 (unencrypted: the file's owner and mode protect it, as the
 * service profile protects SSRS's key).  Used by the key store only. */
int rs_keypair_to_pem(const rs_keypair *kp, char **pem, size_t *len,
    rs_error *err);   /* *pem in secret memory: free with rs_secret_free(pem, len) */
int rs_keypair_from_pem(const char *pem, size_t len, rs_keypair **out,
    rs_error *err);

/* A member's public key is written by whoever can write the database:
 * accept only RSA of at least RS_RSA_BITS bits with e = 65537.  On refusal
 * err says what the key is ("an RSA key of 2048 bits", ...). */
int rs_public_key_check(const unsigned char *pub_der, size_t len,
    rs_error *err);

/* What a wrapped copy is for: the OAEP label binds it to one database,
 * one member and one key generation, so a copy moved to another row or
 * database does not unwrap. */
typedef struct rs_wrap_label {
	const char *database_id;
	const char *installation_id;
	uint32_t generation;
} rs_wrap_label;

/* RSA-OAEP-SHA256 wrap of the symmetric key for a member's public key,
 * labelled with label; refuses a public key rs_public_key_check refuses. */
int rs_key_wrap(const unsigned char *pub_der, size_t pub_len,
    const rs_symkey *key, const rs_wrap_label *label,
    unsigned char **wrapped, size_t *wrapped_len,
    rs_error *err);                   /* *wrapped malloc'd */
/* Unwraps a copy made with label, or an unlabelled one from before labels
 * (*legacy true; it is labelled at the next key change).  legacy may be
 * NULL. */
int rs_key_unwrap(const rs_keypair *kp, const unsigned char *wrapped,
    size_t wrapped_len, const rs_wrap_label *label, rs_symkey *key,
    bool *legacy, rs_error *err);

/* Fingerprint of a public key: the first 128 bits of its SHA-256 as 32
 * hex digits in groups of four, "1a2b:3c4d:...", enough that nobody can
 * make a key pair of their own that shows the same one (issue 14). */
#define RS_FINGERPRINT_LEN 39
void rs_public_fingerprint(const unsigned char *pub_der, size_t len,
    char out[RS_FINGERPRINT_LEN + 1]);

#endif
