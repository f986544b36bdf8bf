/* SPDX-License-Identifier: ISC */
/* secret.h: memory for keys and passwords, and process hardening.
 * Secrets live in buffers from rs_secret_alloc: in OpenSSL's secure heap
 * (locked, excluded from core dumps) once rs_harden_process set it up, else
 * in pages of their own, locked where the system allows (mlock) and
 * excluded from core dumps (MADV_DONTDUMP); wiped with OPENSSL_cleanse when
 * freed.  OpenSSL keeps private keys there too. */
#ifndef RS_SECRET_H
#define RS_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Turns core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), lifts
 * RLIMIT_MEMLOCK when root (for a later switch of account) and sets up
 * OpenSSL's secure heap (RS_SECURE_HEAP bytes, locked).  Every program
 * calls it first thing in main. */
void rs_harden_process(void);
#define RS_SECURE_HEAP (1024 * 1024)

/* For the admin programs (rskeymgmt, rsconfig) and rsserverd once it runs
 * as its account: locks every page, now and later (mlockall), so that what
 * OpenSSL allocates on its own heap (the AES key schedules of a key change
 * or of the running service, copies of a backup password) never reaches
 * swap either.  Only where it cannot make later
 * allocations fail: with CAP_IPC_LOCK (root) or no RLIMIT_MEMLOCK.
 * Returns true when memory is locked. */
bool rs_lock_memory(void);

void *rs_secret_alloc(size_t size);       /* zeroed; NULL on ENOMEM */
void rs_secret_free(void *ptr, size_t size); /* wipes, unlocks, frees; NULL ok */
void rs_wipe(void *ptr, size_t size);      /* OPENSSL_cleanse */

/* A password typed or read by a program: NUL-terminated, in secret memory. */
#define RS_PASSWORD_MAX 1024
typedef struct rs_password {
	char *text;   /* RS_PASSWORD_MAX + 1 bytes of secret memory */
	size_t len;
} rs_password;

int rs_password_init(rs_password *pw);     /* 0, or -1 on ENOMEM */
void rs_password_free(rs_password *pw);    /* wipes */
/* Replaces the content; fails (returns -1) when longer than RS_PASSWORD_MAX. */
int rs_password_set(rs_password *pw, const char *text, size_t len);

#endif
