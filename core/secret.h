/* SPDX-License-Identifier: ISC */
/* secret.h: memory for keys and passwords, and process hardening.
 * Secrets live in buffers from rs_secret_alloc: locked in memory where the
 * system allows (mlock), excluded from core dumps (MADV_DONTDUMP) and wiped
 * with OPENSSL_cleanse when freed. */
#ifndef RS_SECRET_H
#define RS_SECRET_H

#include <stddef.h>

/* Turns core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0).  Every program
 * calls it first thing in main. */
void rs_harden_process(void);

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
