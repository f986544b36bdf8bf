#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# dev.sh: the README's two commands.
#   bash dev.sh demo   install what is missing, build, make a demo, open rsconfig
#   bash dev.sh test   install what is missing, build, run the whole test suite
# Works as root or as a user with sudo; only apt-get runs privileged.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
build=${RS_BUILD_DIR:-$top/_build}

# What the demo needs: the compiler, autotools, gettext and the libraries.
demo_packages=(build-essential autoconf automake autopoint libtool gettext
	pkg-config libcdk5-dev libncurses-dev libssl-dev libsqlite3-dev)
# What the whole test suite needs on top: Check, PostgreSQL, the terminal
# and fault tools, clang (its sanitizer runtime is added by
# clang_runtime_package), systemd-analyze, and the Debian packaging tools
# .ci/run uses.
test_packages=("${demo_packages[@]}" check openssl sqlite3 tmux expect procps
	passwd valgrind time libpq-dev postgresql strace e2fsprogs clang jq
	locales mandoc bash-completion logrotate systemd debhelper lintian
	dpkg-dev fakeroot)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_packages NAME...: installs the ones that are missing.
install_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
			|| missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "dev.sh: installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		"${missing[@]}" >/dev/null
}

# The package of the installed clang's sanitizer and libFuzzer runtime
# (tests/reliability/fuzzregress.sh): named after clang's major version,
# libclang-rt-N-dev (libclang-common-N-dev before LLVM 14).  Prints nothing,
# and says that the fuzz replay will be skipped, when the release has none.
clang_runtime_package() {
	local major p
	major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	if [ -n "$major" ]; then
		for p in "libclang-rt-$major-dev" "libclang-common-$major-dev"; do
			if apt-cache show "$p" 2>/dev/null | grep -q '^Package: '; then
				echo "$p"
				return 0
			fi
		done
	fi
	echo "dev.sh: no sanitizer runtime package for clang ${major:-(none)}: the fuzz replay will be skipped" >&2
}

# The German locale the translation tests run under (tests/i18n).
ensure_locale() {
	locale -a 2>/dev/null | grep -Eqix 'de_DE\.utf-?8' && return 0
	echo "dev.sh: generating the de_DE.UTF-8 locale"
	as_root sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen
	as_root locale-gen >/dev/null
}

# The optional parts configure found (the demo installs fewer packages than
# the tests): a build configured without them is configured again.
optional_parts() {
	local p
	for p in check libpq; do
		pkg-config --exists "$p" 2>/dev/null && printf '%s ' "$p"
	done
	echo
}

build() {
	local dir=$1; shift
	[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
	mkdir -p "$dir"
	local parts
	parts=$(optional_parts)
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/dev.sh.parts" 2>/dev/null)" != "$parts" ]; then
		(cd "$dir" && "$top/configure" -q "$@") || return 1
		echo "$parts" >"$dir/dev.sh.parts"
	fi
	(cd "$dir" && make -j"$(nproc)" >/dev/null)
}

case "${1:-}" in
demo)
	install_packages "${demo_packages[@]}"
	build "$build"
	# The report server services of an earlier demo go before its files.
	for c in "$build"/demo/member*/rsreportserver.conf; do
		if [ -f "$c" ]; then
			"$build/src/rskeymgmt" -c "$c" --stop >/dev/null || true
		fi
	done
	rm -rf "$build/demo"
	"$build/src/rsdemo" create "$build/demo" --values 2000 --members 3
	# Each member's service runs (member3 "not activated": it waits to
	# join), so the scale-out review shows real states; stop them with
	# rskeymgmt -c CONFIG --stop.
	for i in 1 2 3; do
		"$build/src/rskeymgmt" -c "$build/demo/member$i/rsreportserver.conf" \
			--start >/dev/null
	done
	exec "$build/src/rsconfig" -c "$build/demo/member1/rsreportserver.conf"
	;;
test)
	install_packages "${test_packages[@]}"
	runtime=$(clang_runtime_package)
	[ -z "$runtime" ] || install_packages "$runtime"
	ensure_locale
	build "$build"
	status=0
	(cd "$build" && make -j"$(nproc)" check >/dev/null 2>&1) || status=$?
	bash "$top/tests/summary.sh" "$build" > "$build/summary.txt" 2>&1 || status=1
	cat "$build/summary.txt"
	exit $status
	;;
*)
	echo "usage: bash dev.sh demo|test" >&2
	exit 2
	;;
esac
