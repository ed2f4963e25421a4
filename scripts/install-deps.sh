#!/usr/bin/env bash
# Installs the Debian packages paddock needs to build and test, skipping those already there.
# Needs root (or sudo). Nothing is downloaded from anywhere but Debian's archive.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libxgboost-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-xgboost  # tests: a stage 1 trained in Python loads in paddock (scripts/train_stage1.py)
  pybind11-dev python3-dev python3-pandas python3-pytest  # the Python module and its tests
  libcpp-httplib-dev  # paddock serve
  libhowardhinnant-date-dev python3-croniter  # schedules: time zones; cron fire times checked against croniter
  libcurl4-openssl-dev libssl-dev python3-aiosmtpd  # notifications: webhook and SMTP; a local SMTP server for tests
  chromium            # the dashboard's browser tests (driven by npm's playwright-core)
)
# Node.js and npm for the browser tests, from Debian unless the machine has them already (a
# Node.js from another source ships its own npm, which Debian's npm package would conflict with).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
