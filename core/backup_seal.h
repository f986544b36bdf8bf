/* SPDX-License-Identifier: ISC */
/* backup_seal.h: the backup's CMS AuthEnvelopedData, assembled by hand
 * (AES-256-GCM content; a PBKDF2-HMAC-SHA256 password recipient and/or
 * RSA certificate recipients).  Private to backup.c. */
#ifndef RS_BACKUP_SEAL_H
#define RS_BACKUP_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

typedef struct rs_backup_to {
	const char *password;   /* NULL: no password recipient */
	size_t pwlen;
	int iterations;
	X509 *const *certs;     /* RSA certificates, one recipient each */
	size_t ncerts;
} rs_backup_to;

/* The DER of the ContentInfo (OPENSSL_free it), checked to parse back;
 * NULL on failure (out of memory, a certificate without an RSA key). */
unsigned char *rs_backup_seal(const char *payload, size_t len,
    const rs_backup_to *to, size_t *outlen);

#endif
