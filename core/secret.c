/* SPDX-License-Identifier: ISC */
/* secret.c: memory for keys and passwords, and process hardening.
 *
 * A secret goes to OpenSSL's secure heap when there is one (a locked,
 * non-dumpable arena with guard pages).  Otherwise, or when that is full,
 * it gets its own page-aligned block: mlock keeps it out of swap and
 * MADV_DONTDUMP out of core files, and neither then affects unrelated
 * heap data sharing the page.  A small header before the returned pointer
 * records the block size, so freeing never depends on the caller passing
 * the right size. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "secret.h"

#define SECRET_MAGIC 0x72735365637265ULL   /* "rsSecre" */
#define SECRET_HEADER 64                    /* keeps user data 64-byte aligned */

struct secret_header {
	uint64_t magic;
	size_t total;   /* whole block, header included */
};

void rs_harden_process(void)
{
	struct rlimit none = { 0, 0 };
	struct rlimit all = { RLIM_INFINITY, RLIM_INFINITY };

	/* Best effort: a failure here must not stop the tool from running. */
	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Root lifts the locked-memory limit while it still may: a program
	 * that then switches to a service account (rsserverd) keeps the
	 * secure heap and can still lock all its memory (rs_lock_memory),
	 * which once it has no CAP_IPC_LOCK is charged against this limit,
	 * every later allocation included.  systemd filters setrlimit for
	 * rsserverd@.service and sets LimitMEMLOCK=infinity instead. */
	if (geteuid() == 0)
		(void)setrlimit(RLIMIT_MEMLOCK, &all);
	/* 0 when it cannot (then rs_secret_alloc locks pages itself); 2
	 * when the arena could not be locked (RLIMIT_MEMLOCK): still used,
	 * as our own blocks would not be locked either. */
	if (!CRYPTO_secure_malloc_initialized())
		(void)CRYPTO_secure_malloc_init(RS_SECURE_HEAP, 16);
}

static bool may_lock_all(void)
{
	struct rlimit lim;

	if (geteuid() == 0)
		return true;
	return getrlimit(RLIMIT_MEMLOCK, &lim) == 0
	    && lim.rlim_cur == RLIM_INFINITY;
}

bool rs_lock_memory(void)
{
	int flags = MCL_CURRENT | MCL_FUTURE;

	if (!may_lock_all())
		return false;
#ifdef MCL_ONFAULT
	/* Pages are locked as they are touched: reserved but unused memory
	 * (thread stacks, malloc arenas) is not made resident. */
	if (mlockall(flags | MCL_ONFAULT) == 0)
		return true;
#endif
	return mlockall(flags) == 0;
}

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

void *rs_secret_alloc(size_t size)
{
	size_t ps = page_size();
	size_t total;
	void *block = NULL;
	struct secret_header *h;

	if (CRYPTO_secure_malloc_initialized() && size > 0
	    && size <= RS_SECURE_HEAP / 8
	    && (block = OPENSSL_secure_zalloc(size)) != NULL)
		return block;
	if (size > SIZE_MAX - SECRET_HEADER - ps)
		return NULL;
	total = (size + SECRET_HEADER + ps - 1) / ps * ps;
	if (posix_memalign(&block, ps, total) != 0)
		return NULL;
	memset(block, 0, total);
	/* Both may be refused (RLIMIT_MEMLOCK, old kernels): the memory is
	 * still usable, and rs_harden_process already stops core dumps. */
	(void)mlock(block, total);
#ifdef MADV_DONTDUMP
	(void)madvise(block, total, MADV_DONTDUMP);
#endif
	h = block;
	h->magic = SECRET_MAGIC;
	h->total = total;
	return (unsigned char *)block + SECRET_HEADER;
}

void rs_secret_free(void *ptr, size_t size)
{
	struct secret_header *h;
	size_t total;

	(void)size;     /* the header knows the real size */
	if (ptr == NULL)
		return;
	if (CRYPTO_secure_allocated(ptr)) {
		OPENSSL_secure_clear_free(ptr, CRYPTO_secure_actual_size(ptr));
		return;
	}
	h = (struct secret_header *)(void *)((unsigned char *)ptr - SECRET_HEADER);
	if (h->magic != SECRET_MAGIC)
		abort();    /* not ours: freeing it would corrupt the heap */
	total = h->total;
	OPENSSL_cleanse(h, total);
	(void)munlock(h, total);
#ifdef MADV_DODUMP
	/* The page goes back to the heap, where it may hold ordinary data. */
	(void)madvise(h, total, MADV_DODUMP);
#endif
	free(h);
}

void rs_wipe(void *ptr, size_t size)
{
	if (ptr != NULL && size > 0)
		OPENSSL_cleanse(ptr, size);
}

int rs_password_init(rs_password *pw)
{
	pw->len = 0;
	pw->text = rs_secret_alloc(RS_PASSWORD_MAX + 1);
	return pw->text != NULL ? 0 : -1;
}

void rs_password_free(rs_password *pw)
{
	if (pw == NULL)
		return;
	rs_secret_free(pw->text, RS_PASSWORD_MAX + 1);
	pw->text = NULL;
	pw->len = 0;
}

int rs_password_set(rs_password *pw, const char *text, size_t len)
{
	if (pw->text == NULL || len > RS_PASSWORD_MAX)
		return -1;
	/* memmove: text may be (part of) the old content. */
	memmove(pw->text, text, len);
	rs_wipe(pw->text + len, RS_PASSWORD_MAX + 1 - len);
	pw->len = len;
	return 0;
}
