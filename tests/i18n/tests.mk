# SPDX-License-Identifier: ISC
# Translations, man pages, install layout, bash completion, JSON document
# (issue 8).
I18N_TESTS += tests/i18n/german.sh
I18N_TESTS += tests/i18n/manpages.sh
I18N_TESTS += tests/i18n/completion.sh
I18N_TESTS += tests/i18n/json_schema.sh
