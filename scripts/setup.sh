#!/usr/bin/env bash
# Installs what gatehouse's demo or tests need beyond Go, idempotently, and
# prints the environment that selects what it found or installed.
#
#   scripts/setup.sh demo   moto's server and an AWS CLI that honours the
#                           AWS_ENDPOINT_URL_<SERVICE> variables (make demo)
#   scripts/setup.sh test   the same, plus Debian's chromium and
#                           chromium-driver (browser tests of the sign-in page)
#                           and awscli, the AWS CLI v2 (a second real client of
#                           the token cache) (make test; the default)
#
# Stdout carries only export lines, so that
#   eval "$(scripts/setup.sh demo)"
# sets them in a shell: GATEHOUSE_PYTHON (the python3 that runs moto's server;
# gatehouse-sandbox and the tests read it) and, when the AWS CLI on PATH is too
# old, PATH with the project's virtual environment first. Messages go to
# stderr; every failure says what to do, and exits 1.
#
# Python packages are never installed into the system's Python (Debian's
# refuses: "externally-managed-environment"). When no python3 on the machine
# has moto (version of scripts/python-requirements.txt), or the AWS CLI on
# PATH ignores the endpoint variables (Debian 12's awscli 2.9), the packages of
# scripts/python-requirements.txt go into the virtual environment .venv
# (created with python3 -m venv; Debian's python3-venv is installed for it if
# missing).
#
# Environment: GATEHOUSE_PYTHON (use this interpreter; it must import moto's
# server), GATEHOUSE_VENV (where the virtual environment goes; default .venv
# in the repository), GATEHOUSE_AWS_CLI_V2 (the AWS CLI v2 the tests use;
# default /usr/bin/aws, Debian's).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-test}
case "$mode" in
demo | test) ;;
-h | --help)
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  exit 0
  ;;
*)
  printf 'setup: unknown mode %q\n  usage: scripts/setup.sh demo|test\n' "$mode" >&2
  exit 2
  ;;
esac
venv=${GATEHOUSE_VENV:-$root/.venv}
requirements=$root/scripts/python-requirements.txt
moto_version=$(sed -n 's/^moto\[server\]==//p' "$requirements")
awscli_version=$(sed -n 's/^awscli==//p' "$requirements")

say() { printf 'setup: %s\n' "$*" >&2; }
# die MESSAGE [WHAT-TO-DO...]: the message, then each line of advice.
die() {
  printf 'setup: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

# apt_install PACKAGE...: installs Debian packages, as root or through sudo.
apt_install() {
  local sudo=""
  if ! command -v apt-get >/dev/null 2>&1; then
    die "this machine has no apt-get, so setup cannot install: $*" \
      "install them with your system's package manager (names are Debian's), then run scripts/setup.sh $mode again"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
      die "installing $* needs root, and sudo is missing" "as root: apt-get install $*; then run scripts/setup.sh $mode again"
    sudo=sudo
  fi
  say "installing Debian packages: $*"
  if ! $sudo apt-get update -qq >/dev/null ||
    ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    die "apt-get could not install $*" \
      "check apt's sources and network (${sudo:+sudo }apt-get update), then run scripts/setup.sh $mode again"
  fi
}

# moto_of PYTHON: prints the moto version PYTHON's moto server has; fails,
# printing the import error, when it has none.
moto_of() {
  "$1" -c 'import moto, moto.server, flask; print(moto.__version__)' 2>&1 | tail -n 1
  return "${PIPESTATUS[0]}"
}

# aws_version AWS: prints "aws-cli/X.Y.Z" for an AWS CLI.
aws_version() { "$1" --version 2>&1 | sed -n 's|^\(aws-cli/[0-9][0-9.]*\).*|\1|p' | head -n 1; }

# honours_endpoints VERSION: AWS CLI 1.29.0 and 2.13.0 were the first to read
# AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
honours_endpoints() {
  local v=${1#aws-cli/} major minor
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  case "$major.$minor" in *[!0-9.]* | .* | *.) return 1 ;; esac
  { [ "$major" -eq 1 ] && [ "$minor" -ge 29 ]; } || { [ "$major" -eq 2 ] && [ "$minor" -ge 13 ]; } || [ "$major" -gt 2 ]
}

# base_python: the python3 to create the virtual environment with (3.10 or
# newer, as moto 5.2 and awscli 1.45 need).
base_python() {
  local py v
  if ! py=$(command -v python3); then
    apt_install python3 python3-venv
    py=$(command -v python3) || die "python3 is still not on PATH after installing it" "install Python 3.10 or newer, then run scripts/setup.sh $mode again"
  fi
  v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    die "$py does not run" "put a working python3 (3.10 or newer) first on PATH, then run scripts/setup.sh $mode again"
  if [ "${v%%.*}" -ne 3 ] || [ "${v#*.}" -lt 10 ]; then
    die "$py is Python $v; moto $moto_version and awscli $awscli_version need Python 3.10 or newer" \
      "put a newer python3 first on PATH, or set GATEHOUSE_PYTHON to one that has moto[server]==$moto_version"
  fi
  printf '%s\n' "$py"
}

# ensure_venv: the virtual environment with the packages of
# python-requirements.txt.
ensure_venv() {
  local py out
  if [ ! -x "$venv/bin/python" ]; then
    py=$(base_python)
    say "creating the virtual environment $venv ($py -m venv)"
    if ! out=$("$py" -m venv "$venv" 2>&1); then
      rm -rf "$venv"
      if printf '%s' "$out" | grep -q 'ensurepip'; then
        # Debian ships venv's pip bootstrap in a separate package.
        say "$py lacks ensurepip (Debian's python3-venv package)"
        apt_install python3-venv
        out=$("$py" -m venv "$venv" 2>&1) || {
          rm -rf "$venv"
          die "$py -m venv $venv failed after installing python3-venv: $(printf '%s' "$out" | tail -n 1)" \
            "create it yourself ($py -m venv $venv), then run scripts/setup.sh $mode again"
        }
      else
        die "$py -m venv $venv failed: $(printf '%s' "$out" | tail -n 1)" \
          "create it yourself ($py -m venv $venv), then run scripts/setup.sh $mode again"
      fi
    fi
  fi
  say "installing scripts/python-requirements.txt (moto[server]==$moto_version, awscli==$awscli_version) into $venv"
  if ! out=$("$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements" 2>&1); then
    die "pip could not install scripts/python-requirements.txt into $venv: $(printf '%s' "$out" | grep -v '^\s*$' | tail -n 1)" \
      "pip needs PyPI or a mirror of it: check the network, or set PIP_INDEX_URL (and HTTPS_PROXY) for pip" \
      "or set GATEHOUSE_PYTHON to a python3 that has moto[server]==$moto_version and put an AWS CLI >= 1.29 or >= 2.13 first on PATH" \
      "then run scripts/setup.sh $mode again"
  fi
}

# 1. Debian packages the tests need.
if [ "$mode" = test ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  [ -x "${GATEHOUSE_AWS_CLI_V2:-/usr/bin/aws}" ] || need+=(awscli)
  if [ "${#need[@]}" -gt 0 ]; then apt_install "${need[@]}"; fi
fi

# 2. A python3 with moto's server at the pinned version.
python="" python_moto=""
if [ -n "${GATEHOUSE_PYTHON:-}" ]; then
  got=$(moto_of "$GATEHOUSE_PYTHON") ||
    die "GATEHOUSE_PYTHON=$GATEHOUSE_PYTHON cannot import moto's server: $got" \
      "unset GATEHOUSE_PYTHON to let setup install moto into $venv, or install moto[server]==$moto_version for that interpreter"
  [ "$got" = "$moto_version" ] || say "GATEHOUSE_PYTHON has moto $got; gatehouse's sandbox is tested with $moto_version"
  python=$GATEHOUSE_PYTHON python_moto=$got
elif py=$(command -v python3) && got=$(moto_of "$py") && [ "$got" = "$moto_version" ]; then
  python=$py python_moto=$got
else
  if [ -z "${py:-}" ]; then
    say "python3 is not on PATH"
  elif [ -n "${got:-}" ] && [ "$got" != "${got#[0-9]}" ]; then
    say "$py has moto $got; gatehouse's sandbox needs moto $moto_version"
  else
    say "$py cannot import moto's server (${got:-no output})"
  fi
  if [ -x "$venv/bin/python" ] && got=$(moto_of "$venv/bin/python") && [ "$got" = "$moto_version" ]; then
    python=$venv/bin/python python_moto=$got
  fi
fi

# 3. An AWS CLI that honours the sandbox's endpoint variables.
aws=""
path_aws=$(command -v aws || true)
if [ -n "$path_aws" ]; then
  v=$(aws_version "$path_aws")
  if honours_endpoints "$v"; then
    aws=$path_aws
  else
    say "$path_aws is ${v:-an AWS CLI of unknown version}, which ignores the AWS_ENDPOINT_URL_<SERVICE> variables the sandbox sets (AWS CLI 1.29 or 2.13 and newer read them)"
  fi
else
  say "no AWS CLI on PATH"
fi
if [ -z "$aws" ] && [ -x "$venv/bin/aws" ] && honours_endpoints "$(aws_version "$venv/bin/aws")"; then
  aws=$venv/bin/aws
fi

# 4. The virtual environment, for whatever is still missing.
if [ -z "$python" ] || [ -z "$aws" ]; then
  ensure_venv
  if [ -z "$python" ]; then
    if ! got=$(moto_of "$venv/bin/python") || [ "$got" != "$moto_version" ]; then
      die "$venv/bin/python still cannot import moto $moto_version after pip installed it: $got" \
        "remove $venv and run scripts/setup.sh $mode again"
    fi
    python=$venv/bin/python python_moto=$got
  fi
  if [ -z "$aws" ]; then
    v=$(aws_version "$venv/bin/aws")
    honours_endpoints "$v" ||
      die "$venv/bin/aws is ${v:-missing} after pip installed awscli $awscli_version" \
        "remove $venv and run scripts/setup.sh $mode again"
    aws=$venv/bin/aws
  fi
fi

say "$mode ready: python $python (moto $python_moto), aws $aws ($(aws_version "$aws"))"
printf 'export GATEHOUSE_PYTHON=%q\n' "$python"
if [ "$aws" != "$path_aws" ]; then
  # shellcheck disable=SC2016 # $PATH is for the shell that evals this
  printf 'export PATH=%q:"$PATH"\n' "$(dirname "$aws")"
fi
