/* SPDX-License-Identifier: ISC */
/* backup.h: the key backup file.
 *
 * PEM CMS AuthEnvelopedData (RFC 5083, AES-256-GCM content) with a password
 * recipient (RFC 3211: PBKDF2-HMAC-SHA256, 16-byte salt,
 * RS_BACKUP_ITERATIONS) and/or RSA certificate recipients, so stock
 * `openssl cms -decrypt -pwri_password` (or -recip/-inkey) opens it
 * anywhere; backup_seal.c builds it.  Older files (EnvelopedData,
 * AES-256-CBC, PBKDF2-HMAC-SHA1) are still read.  The payload is a small
 * versioned text (a CR before each LF is accepted):
 *
 *   rsconfig-key-backup 1
 *   key: <64 hex>
 *   kcv: <16 hex>
 *   generation: N
 *   installation-id: UUID
 *   machine: NAME
 *   instance: NAME
 *   database-id: UUID
 *   created: 2026-11-24T01:02:03Z
 */
#ifndef RS_BACKUP_H
#define RS_BACKUP_H

#include <stdbool.h>
#include <stdint.h>
#include "instance.h"
#include "crypto.h"
#include "err.h"

#define RS_BACKUP_ITERATIONS 600000
#define RS_BACKUP_MAX_FILE (64 * 1024)

typedef struct rs_backup_meta {
	char kcv[RS_KCV_HEX_LEN + 1];
	uint32_t generation;
	char installation_id[RS_ID_LEN + 1];
	char machine[RS_NAME_MAX];
	char instance[RS_NAME_MAX];
	char database_id[RS_ID_LEN + 1];
	int64_t created;
} rs_backup_meta;

/* Certificates to write for (RSA, one KeyTransRecipientInfo each) and the
 * private key to open with (--recipient, --identity of rskeymgmt). */
typedef struct rs_backup_keys rs_backup_keys;
#define RS_BACKUP_MAX_RECIPIENTS 16
/* Adds the certificate in the PEM file path (*keys made when NULL). */
int rs_backup_keys_add_cert(rs_backup_keys **keys, const char *path,
    rs_error *err);
/* The private key (PEM, not encrypted) to open a backup with. */
int rs_backup_keys_set_identity(rs_backup_keys **keys, const char *path,
    rs_error *err);
size_t rs_backup_keys_certs(const rs_backup_keys *keys);
bool rs_backup_keys_has_identity(const rs_backup_keys *keys);
void rs_backup_keys_free(rs_backup_keys *keys);

/* Writes the file: temp file (O_EXCL, 0600) in the target folder, fsync,
 * then link (refuses an existing file: RS_ERR_EXISTS) or, with overwrite,
 * rename.  Then reads it back and checks it opens to the same key. */
int rs_backup_write(const char *path, const char *password, size_t pwlen,
    const rs_symkey *key, const rs_backup_meta *meta, bool overwrite,
    rs_error *err);
/* Reads and checks a file.  RS_ERR_BAD_PASSWORD, RS_ERR_BAD_FILE (truncated,
 * altered, foreign, too large; or a password block naming no key
 * derivation, another one than PBKDF2 or more than 10,000,000 iterations
 * in all, refused before any derivation runs), RS_ERR_IO, RS_ERR_NOT_FOUND. */
int rs_backup_read(const char *path, const char *password, size_t pwlen,
    rs_symkey *key, rs_backup_meta *meta, rs_error *err);
/* The same with certificate recipients (a NULL password: certificates
 * only; not read back unless keys has the identity) and the identity to
 * open with (keys may be NULL; with an identity, password may be NULL). */
/* "-": standard output for a write, standard input for a read (read once,
 * the same bytes for every later read in the process).  Writing to a
 * terminal is refused (RS_ERR_USAGE; rs_backup_stdout_refused says so). */
bool rs_backup_is_stdio(const char *path);
int rs_backup_stdout_refused(rs_error *err);
int rs_backup_write_for(const char *path, const char *password, size_t pwlen,
    const rs_backup_keys *keys, const rs_symkey *key,
    const rs_backup_meta *meta, bool overwrite, rs_error *err);
int rs_backup_read_with(const char *path, const char *password, size_t pwlen,
    const rs_backup_keys *keys, rs_symkey *key, rs_backup_meta *meta,
    rs_error *err);

#endif
