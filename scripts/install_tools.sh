#!/usr/bin/env bash
# Installs the external programs the builder calls (Infernal, HMMER, MMseqs2, CD-HIT) where they are missing.
# As root on Debian/Ubuntu it runs apt-get; otherwise it prints one line with the exact command and exits 0,
# so `make test` still runs (the tests that need a missing program are skipped with that reason).
set -euo pipefail
declare -A PACKAGE=([cmscan]=infernal [hmmscan]=hmmer [mmseqs]=mmseqs2 [cd-hit]=cd-hit)
missing=()
for program in cmscan hmmscan mmseqs cd-hit; do
    command -v "$program" >/dev/null 2>&1 || missing+=("${PACKAGE[$program]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install_tools: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
else
    echo "install_tools: missing ${missing[*]}; install with: sudo $command (tests that need them will be skipped)" >&2
fi
