#!/usr/bin/env bash
# dev.sh: the README's two commands.
#   bash dev.sh demo   install what is missing, build, make a demo, open rsconfig
#   bash dev.sh test   install what is missing, build, run the whole test suite
# Works as root or as a user with sudo; only apt-get runs privileged.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
build=${RS_BUILD_DIR:-$top/_build}

packages=(build-essential autoconf automake autopoint libtool gettext
	pkg-config libcdk5-dev libncurses-dev libssl-dev libsqlite3-dev check
	openssl sqlite3 tmux expect procps passwd valgrind time libpq-dev
	postgresql strace e2fsprogs clang libclang-rt-14-dev
	jq locales mandoc bash-completion)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
			|| missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "dev.sh: installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		"${missing[@]}" >/dev/null
}

# The German locale the translation tests run under (tests/i18n).
ensure_locale() {
	locale -a 2>/dev/null | grep -Eqix 'de_DE\.utf-?8' && return 0
	echo "dev.sh: generating the de_DE.UTF-8 locale"
	as_root sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen
	as_root locale-gen >/dev/null
}

build() {
	local dir=$1; shift
	[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
	mkdir -p "$dir"
	# configure's "rm -f core" meets our core/ folder: hide that one line.
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@" \
		2> >(grep -v "cannot remove 'core'" >&2); } \
		&& make -j"$(nproc)" >/dev/null)
}

case "${1:-}" in
demo)
	install_packages
	ensure_locale
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
	install_packages
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
