#!/usr/bin/env bash
# Installs what gatehouse's tests and demo need beyond Go, idempotently:
# Debian's chromium + chromium-driver (browser tests of the sandbox sign-in
# page) and awscli (AWS CLI v2, a second real client of the token cache), and
# checks that python3 can run moto's server (the AWS emulator).
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -x /usr/bin/aws ] || need+=(awscli)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup: please install these Debian packages: ${need[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${need[*]}" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

py="${GATEHOUSE_PYTHON:-python3}"
if ! "$py" -c 'import moto.server, flask' >/dev/null 2>&1; then
  echo "setup: $py cannot import moto's server; trying pip" >&2
  "$py" -m pip install --quiet 'moto[server]==5.2.1' || {
    echo "setup: install moto 5.2.1 with its server extras: $py -m pip install 'moto[server]==5.2.1'" >&2
    exit 1
  }
fi
