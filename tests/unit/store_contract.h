/* SPDX-License-Identifier: ISC */
/* store_contract.h: the store's contract, one suite of tests that every
 * backend must pass (store_contract.c).  A backend's check program
 * (tests/unit/check_store.c for SQLite, tests/pg/check_store_pg.c for
 * PostgreSQL) describes how to make its databases and adds the contract's
 * tests to a test case whose fixture gives each test a fresh place. */
#ifndef RS_STORE_CONTRACT_H
#define RS_STORE_CONTRACT_H

#include <check.h>
#include <stdbool.h>
#include "store.h"

typedef struct store_backend {
	const char *name;                /* "sqlite", "postgresql" */
	rs_config *cfg;                  /* the database every test opens */
	/* What a message about the database of cfg names: its path, or the
	 * database's name. */
	const char *(*where)(void);
	/* Puts at cfg a database of schema version 2 (made by a newer
	 * rsconfig), and someone else's database. */
	void (*make_newer_schema)(void);
	void (*make_foreign)(void);
	/* A second, empty place for a database (a migration's target) and
	 * its removal. */
	void (*other_place)(rs_config *out);
	void (*other_drop)(void);
} store_backend;

/* Adds every test of the contract to tc; they run on backend b. */
void store_contract_add(TCase *tc, const store_backend *b);

/* For the backends' own tests: opens the database of the backend's cfg
 * (the test fails unless it opens), and an open that must fail (returns
 * its code, err says why). */
rs_store *sc_open(bool create);
int sc_open_fails(bool create, rs_error *err);

#endif
