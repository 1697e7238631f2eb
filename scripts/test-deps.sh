#!/usr/bin/env bash
# What the end-to-end tests start besides the app: the embedded database (a JDK and Maven build
# and run it), a real Redis (two-instance tests) and a real nginx with TLS (deployment tests;
# openssl makes their certificate) and Chromium (the web app's browser tests). Installed from
# Debian when missing; needs root or sudo, as on
# the CI and development machines.
set -euo pipefail

packages=()
# The embedded database, unless TEST_MONGODB_URI points the suite at another server.
if [ -z "${TEST_MONGODB_URI:-}" ]; then
  command -v java >/dev/null || packages+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || packages+=(maven)
fi
command -v redis-server >/dev/null || packages+=(redis-server)
command -v nginx >/dev/null || packages+=(nginx-light)
command -v openssl >/dev/null || packages+=(openssl)
# The web app's browser tests drive Debian's Chromium (test tools cannot download browsers here).
command -v chromium >/dev/null || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0

echo "Installing test dependencies from apt: ${packages[*]}..."
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "Cannot install ${packages[*]}: run as root, install sudo, or install them yourself." >&2
    exit 1
  fi
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# Debian starts the packaged service; the tests run their own instances on free ports.
if command -v systemctl >/dev/null; then
  $sudo systemctl disable --now redis-server nginx >/dev/null 2>&1 || true
fi
