/* SPDX-License-Identifier: ISC */
/* keystore.h: the instance's private key on disk.
 *
 * DIR (0700) holds INSTALLATION_ID.key (0600, PEM PKCS#8), owned by the
 * service account when we run as root.  A key store with looser permissions
 * is refused with a message that says how to fix it.  A key being replaced
 * (service account change) is first written as INSTALLATION_ID.key.pending;
 * rs_keystore_commit_pending renames it into place. */
#ifndef RS_KEYSTORE_H
#define RS_KEYSTORE_H

#include <stdbool.h>
#include "crypto.h"
#include "err.h"

/* Checks modes (and, as root, that account owns DIR and the key).  account
 * may be NULL to skip the owner check.  RS_ERR_PERMISSION with a fix-it
 * message on failure; RS_ERR_NOT_FOUND when DIR does not exist. */
int rs_keystore_check(const char *dir, const char *account, rs_error *err);
/* RS_ERR_NOT_FOUND when there is no key yet. */
int rs_keystore_load(const char *dir, const char *installation_id,
    rs_keypair **out, rs_error *err);
/* Creates DIR 0700 when missing; writes atomically with mode 0600; as root
 * chowns DIR and file to account. */
int rs_keystore_save(const char *dir, const char *installation_id,
    const char *account, const rs_keypair *kp, rs_error *err);

int rs_keystore_save_pending(const char *dir, const char *installation_id,
    const char *account, const rs_keypair *kp, rs_error *err);
int rs_keystore_load_pending(const char *dir, const char *installation_id,
    rs_keypair **out, rs_error *err);   /* RS_ERR_NOT_FOUND when none */
int rs_keystore_commit_pending(const char *dir, const char *installation_id,
    rs_error *err);
void rs_keystore_discard_pending(const char *dir, const char *installation_id);

/* As root: chown DIR and its key files to account (which must exist).
 * Not root: returns RS_OK and sets *changed false. */
int rs_keystore_chown(const char *dir, const char *account, bool *changed,
    rs_error *err);

#endif
