# tests/i18n/doclib.sh
# shellcheck shell=sh
