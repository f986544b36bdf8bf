#!/bin/sh
# SPDX-License-Identifier: ISC
# forgekdf.sh IN OUT OID INTEGER: writes OUT, the PEM backup IN with the key
# derivation of its password block forged: the PBKDF2 OID replaced by OID
# and the iteration count by INTEGER (each the hex of its content).  The
# bytes they add are taken from the salt, so every DER length stays right.
# For the iteration cap's cases in tests/reliability/badinput.sh and the
# fuzz seed corpus (mkcorpus.sh).  Needs openssl, od and awk.
set -eu
in=$1 out=$2 oid=$3 count=$4
hex=$(sed '/^-----/d' "$in" | openssl base64 -d | od -An -v -tx1 | tr -d ' \n')
# The PBKDF2 OID, then SEQUENCE { OCTET STRING salt, INTEGER count }; the
# new DER comes out as octal escapes for printf.
esc=$(printf '%s\n' "$hex" | awk -v oid="$oid" -v count="$count" '
function byte(at) { return index(H, substr($0, at, 1)) * 16 + index(H, substr($0, at + 1, 1)) - 17 }
function fail(why) { print "forgekdf.sh: " why > "/dev/stderr"; exit 1 }
{
	H = "0123456789abcdef"
	k = index($0, "06092a864886f70d01050c")
	if (k == 0 || k % 2 != 1) fail("no PBKDF2 OID")
	s = k + 26; slen = byte(s + 2); i = s + 4 + 2 * slen; ilen = byte(i + 2)
	# L: the parameters, with a PRF after the count (HMAC-SHA256) or not.
	L = byte(k + 24)
	if (substr($0, k + 22, 2) != "30" || substr($0, s, 2) != "04" ||
	    substr($0, i, 2) != "02" || L < 4 + slen + ilen || L > 127)
		fail("the PBKDF2 parameters are not { salt, count [, prf] }")
	room = L - 4 - (length(oid) - 18) / 2 - length(count) / 2
	if (room < 0) fail("no room in the salt")
	new = sprintf("%s06%02x%s30%02x04%02x%s02%02x%s%s", substr($0, 1, k - 1),
	    length(oid) / 2, oid, 4 + room + length(count) / 2, room,
	    substr($0, s + 4, 2 * room), length(count) / 2, count,
	    substr($0, s + 2 * L))
	for (j = 1; j < length(new); j += 2)
		printf "\\%03o", index(H, substr(new, j, 1)) * 16 + index(H, substr(new, j + 1, 1)) - 17
}')
# shellcheck disable=SC2059  # the format is the bytes as octal escapes
printf "$esc" >"$out.der"
{
	echo '-----BEGIN CMS-----'
	openssl base64 -in "$out.der"
	echo '-----END CMS-----'
} >"$out"
rm -f "$out.der"
