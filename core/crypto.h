/* SPDX-License-Identifier: ISC */
/* crypto.h: the symmetric key, the AEAD that seals each value to its place,
 * the instance key pair and the wrapping of the symmetric key (RSA-OAEP).
 *
 * A sealed value is: version (1 byte, 1) | key generation (4 bytes, big
 * endian) | nonce (12) | ciphertext | tag (16).  The associated data binds it
 * to its table, row, column and key generation, so a value moved to another
 * place, or left from another generation, does not open. */
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
/* Key check value: first 8 bytes of HMAC-SHA256(key, "rsconfig key check
 * value"), in lower-case hex.  Says which key it is without revealing it. */
void rs_symkey_kcv(const rs_symkey *key, char out[RS_KCV_HEX_LEN + 1]);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes, NUL-terminated). */
void rs_hex_encode(const unsigned char *in, size_t len, char *out);

/* Where a value lives. */
typedef struct rs_value_place {
	const char *table;
	int64_t row;
	const char *column;
} rs_value_place;

enum rs_open_status {
	RS_OPEN_OK = 0,
	RS_OPEN_MALFORMED,        /* too short or unknown version */
	RS_OPEN_OTHER_GENERATION, /* sealed under another key generation */
	RS_OPEN_AUTH_FAILED       /* wrong key, or moved, or altered */
};

/* A sealing context for one key and generation; reuse it for a batch. */
typedef struct rs_aead rs_aead;
rs_aead *rs_aead_new(const rs_symkey *key, uint32_t generation, rs_error *err);
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

/* RSA-OAEP-SHA256 wrap of the symmetric key for a member's public key. */
int rs_key_wrap(const unsigned char *pub_der, size_t pub_len,
    const rs_symkey *key, unsigned char **wrapped, size_t *wrapped_len,
    rs_error *err);                   /* *wrapped malloc'd */
int rs_key_unwrap(const rs_keypair *kp, const unsigned char *wrapped,
    size_t wrapped_len, rs_symkey *key, rs_error *err);

/* Fingerprint of a public key: the first 128 bits of its SHA-256 as 32
 * hex digits in groups of four, "1a2b:3c4d:...", enough that nobody can
 * make a key pair of their own that shows the same one (issue 14). */
#define RS_FINGERPRINT_LEN 39
void rs_public_fingerprint(const unsigned char *pub_der, size_t len,
    char out[RS_FINGERPRINT_LEN + 1]);

#endif
