# SPDX-License-Identifier: ISC
# Reliability tests (issue 6): crash injection, storage faults, leak scan,
# bad input; and the fuzz targets (make fuzz), built only on request.
RELIABILITY_TESTS += tests/reliability/crash.sh
RELIABILITY_TESTS += tests/reliability/fuzzregress.sh
RELIABILITY_TESTS += tests/reliability/concurrency.sh
RELIABILITY_TESTS += tests/reliability/faults.sh
RELIABILITY_TESTS += tests/reliability/badinput.sh
RELIABILITY_TESTS += tests/reliability/leaks.sh
RELIABILITY_TESTS += tests/reliability/importleaks.sh
RELIABILITY_TESTS += tests/reliability/perms.sh
RELIABILITY_TESTS += tests/reliability/lockedmem.sh

EXTRA_DIST += tests/reliability/rvalgrind.sh tests/fuzz/fuzzutil.h \
	tests/fuzz/fuzz_backup.c tests/fuzz/fuzz_config.c \
	tests/fuzz/fuzz_payload.c tests/fuzz/fuzz_audit.c tests/fuzz/regress/audit \
	tests/fuzz/mkcorpus.sh tests/fuzz/forgekdf.sh \
	tests/fuzz/regress/backup/empty-payload.pem \
	tests/fuzz/regress/backup/no-key-derivation.pem tests/fuzz/corpus \
	tests/fuzz/fuzz_request.c tests/fuzz/fuzz_answer.c tests/fuzz/regress/request \
	tests/fuzz/regress/answer tests/fuzz/fuzz_member.c \
	tests/fuzz/regress/member tests/fuzz/fuzz_heartbeat.c \
	tests/fuzz/regress/heartbeat

# make check-torture: the crash injection with every syscall kill point of
# every operation (well over 1,000), printing the counts.
check-torture: all
	RS_BUILDDIR='$(abs_top_builddir)' RS_SRCDIR='$(abs_top_srcdir)' \
	RS_TORTURE=1 $(SHELL) '$(abs_top_srcdir)/tests/reliability/crash.sh'

# make fuzz: libFuzzer targets built with clang straight from the core
# sources (not the gcc-built library), each run FUZZ_RUNS times over a
# working corpus seeded from tests/fuzz/corpus/TARGET.  Crashes are written
# to tests/fuzz/crash-TARGET-* in the build tree.
FUZZ_RUNS = 200000
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -DHAVE_CONFIG_H \
	-DLOCALEDIR='"$(localedir)"' -DSYSCONFDIR='"$(sysconfdir)"' \
	-I'$(abs_top_builddir)' -I'$(abs_top_srcdir)/core' $(OPENSSL_CFLAGS)
FUZZ_TARGETS = backup config payload audit
fuzz_sources_backup = core/backup.c core/backup_seal.c core/crypto.c \
	core/secret.c core/err.c core/atomic_write.c
fuzz_sources_config = core/instance.c core/users.c core/err.c core/atomic_write.c
fuzz_sources_payload = core/backup_seal.c core/crypto.c core/secret.c \
	core/err.c core/atomic_write.c
# rsserverd's request reader and the core's reader of its answers (issue 14)
FUZZ_TARGETS += request answer
fuzz_sources_service = core/service.c core/systemctl.c core/err.c
fuzz_sources_audit = core/audit.c core/audit_who.c core/users.c core/grow.c core/text.c \
	core/err.c
# a member row's public key and names, as the core reads them (issue 14)
FUZZ_TARGETS += member heartbeat
fuzz_sources_member = core/crypto.c core/secret.c core/err.c core/text.c
fuzz_sources_heartbeat = core/member_view.c core/text.c

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { \
	    echo "make fuzz needs clang and its sanitizer runtime (apt-get install clang libclang-rt-N-dev, N: clang -dumpversion; bash dev.sh test installs both)"; exit 1; }
	@mkdir -p tests/fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	    case $$t in \
	    backup) src='$(fuzz_sources_backup)' ;; \
	    config) src='$(fuzz_sources_config)' ;; \
	    payload) src='$(fuzz_sources_payload)' ;; \
	    request|answer) src='$(fuzz_sources_service)' ;; \
	    audit) src='$(fuzz_sources_audit)' ;; \
	    member) src='$(fuzz_sources_member)' ;; \
	    heartbeat) src='$(fuzz_sources_heartbeat)' ;; \
	    esac; \
	    srcs=; for s in $$src; do srcs="$$srcs $(abs_top_srcdir)/$$s"; done; \
	    echo "  CCLD   tests/fuzz/fuzz_$$t"; \
	    $(FUZZ_CC) $(FUZZ_CFLAGS) -o tests/fuzz/fuzz_$$t \
	        '$(abs_top_srcdir)/tests/fuzz/fuzz_'$$t.c $$srcs $(OPENSSL_LIBS); \
	done
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p tests/fuzz/work-$$t; \
	    echo "  FUZZ   $$t: $(FUZZ_RUNS) runs"; \
	    tmp=/tmp; [ -d /dev/shm ] && tmp=/dev/shm; \
	    TMPDIR=$${FUZZ_TMPDIR:-$$tmp} tests/fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) \
	        -timeout=20 -max_len=8192 -print_final_stats=1 \
	        -artifact_prefix=tests/fuzz/crash-$$t- tests/fuzz/work-$$t \
	        '$(abs_top_srcdir)/tests/fuzz/corpus/'$$t \
	        >tests/fuzz/fuzz-$$t.log 2>&1 \
	        || { tail -n 40 tests/fuzz/fuzz-$$t.log; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^Done' tests/fuzz/fuzz-$$t.log; \
	done

.PHONY: check-torture fuzz

# make check-valgrind: the CLI tests with rskeymgmt under valgrind memcheck
# (tests/reliability/rvalgrind.sh); reports in valgrind-logs/.
check-valgrind: all
	rm -rf valgrind-logs
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(CLI_TESTS)' RS_VALGRIND=1
	@n=$$(find valgrind-logs -name '*.log' -size +0 | wc -l); \
	echo "valgrind: $$(ls valgrind-logs | wc -l) rskeymgmt runs, $$n with a report"; \
	[ "$$n" -eq 0 ] || { find valgrind-logs -name '*.log' -size +0 | head -n 5 | xargs head -n 30; exit 1; }

.PHONY: check-valgrind
