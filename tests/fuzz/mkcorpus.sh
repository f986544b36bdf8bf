#!/bin/sh
# SPDX-License-Identifier: ISC
# mkcorpus.sh: regenerates the seed corpus in tests/fuzz/corpus/ (it is kept
# in git; run this only to refresh it).  Needs openssl, od and awk.
#   corpus/backup/   valid backups with the fuzz password (stock openssl cms,
#                    its default PBKDF2 count: cheap to open), one with another
#                    password, a certificate-recipient CMS, near-misses,
#                    forged key derivations (forgekdf.sh)
#   corpus/payload/  valid payloads and near-misses
#   corpus/config/   valid configs and near-misses
set -eu
here=$(cd "$(dirname "$0")" && pwd)
c=$here/corpus
PW='Fuzz-Backup 2026!'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$c/backup" "$c/payload" "$c/config"

# Payloads: key 00..1f with its key check value as rs_symkey_kcv computes it
# (taken from a real backup), and variants.
payload() {  # key kcv generation created
	printf 'rsconfig-key-backup 1\nkey: %s\nkcv: %s\ngeneration: %s\n' "$1" "$2" "$3"
	printf 'installation-id: a9b45cee-312f-4b18-9684-67bccd29e997\n'
	printf 'machine: vm\ninstance: RSDEMO1\n'
	printf 'database-id: 7cac3234-04a6-4de3-a8ef-e277d3f9e24c\n'
	printf 'created: %s\n' "$4"
}
K=8d3dda8ef044d4927e6f9713ec23390162727f28096f0d1a57eeb4de4a680adc
V=f118333ad5a5bab3
payload $K $V 1 2026-11-24T02:09:19Z >"$c/payload/valid"
payload $K $V 4294967295 1970-01-01T00:00:00Z >"$c/payload/valid-maxgen"
payload $K 0000000000000000 1 2026-11-24T02:09:19Z >"$c/payload/bad-kcv"
payload $K $V 01 2026-11-24T02:09:19Z >"$c/payload/bad-generation"
payload $K $V 1 2026-13-24T02:09:19Z >"$c/payload/bad-time"
sed 's/^rsconfig-key-backup 1/rsconfig-key-backup 2/' "$c/payload/valid" >"$c/payload/format-2"
sed '/^machine/d' "$c/payload/valid" >"$c/payload/missing-field"
sed 's/^instance: .*/instance: /' "$c/payload/valid" >"$c/payload/empty-instance"
head -c 100 "$c/payload/valid" >"$c/payload/truncated"

# Backups: the payloads sealed with the fuzz password.
for p in valid valid-maxgen bad-kcv missing-field; do
	openssl cms -encrypt -binary -aes256 -in "$c/payload/$p" \
	    -pwri_password "$PW" -outform PEM -out "$c/backup/$p.pem"
done
openssl cms -encrypt -binary -aes256 -in "$c/payload/valid" \
    -pwri_password 'Another-Pass 9!' -outform PEM -out "$c/backup/other-password.pem"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=fuzz -days 1 \
    -keyout "$tmp/k.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl cms -encrypt -binary -aes256 -in "$c/payload/valid" -outform PEM \
    -out "$c/backup/cert-recipient.pem" "$tmp/cert.pem"
cp "$tmp/cert.pem" "$c/backup/certificate.pem"
head -c 300 "$c/backup/valid.pem" >"$c/backup/truncated.pem"
printf -- '-----BEGIN CMS-----\n-----END CMS-----\n' >"$c/backup/empty-block.pem"
# Forged key derivations, refused before any: 2,147,483,647 PBKDF2
# iterations, and PKCS#12's pbeWithSHAAnd3-KeyTripleDES-CBC.
sh "$here/forgekdf.sh" "$c/backup/valid.pem" "$c/backup/iterations-over-cap.pem" \
    2a864886f70d01050c 7fffffff
sh "$here/forgekdf.sh" "$c/backup/valid.pem" "$c/backup/kdf-pkcs12.pem" \
    2a864886f70d010c0103 7fffffff

# Configs.
cat >"$c/config/valid" <<'CONF'
# rsconfig instance configuration (see rsconfig(1)).
installation_id = a9b45cee-312f-4b18-9684-67bccd29e997
machine         = vm
instance        = RSDEMO1
database        = ../reportserver.db
service_account = root
keystore        = keys
CONF
sed 's|= ../reportserver.db|= /var/lib/rsconfig/./x/../reportserver.db|' \
    "$c/config/valid" >"$c/config/absolute"
printf '\357\273\277' | cat - "$c/config/valid" >"$c/config/bom"
sed '/^machine/d' "$c/config/valid" >"$c/config/missing"
sed 's/^machine /machne /' "$c/config/valid" >"$c/config/unknown"
sed 's/^instance .*/instance =/' "$c/config/valid" >"$c/config/empty-value"
cat "$c/config/valid" "$c/config/valid" >"$c/config/duplicate"
sed 's/= a9b45cee/= z9b45cee/' "$c/config/valid" >"$c/config/bad-uuid"
