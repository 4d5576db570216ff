#!/usr/bin/env bash
# Installs what the suite needs from Debian 12's packages.
#   scripts/deps.sh run    build tools, libraries, nginx, spawn-fcgi, and what the
#                          Lightning node simulator of the quick start needs
#   scripts/deps.sh test   the above plus the database servers and test tools
set -euo pipefail
what=${1:-run}
run_pkgs=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev libfcgi-bin spawn-fcgi libssl-dev libsqlite3-dev libpq-dev libmariadb-dev
	libldap-dev libjson-c-dev libyaml-dev libcurl4-openssl-dev libsecp256k1-dev
	libprotobuf-c-dev protobuf-c-compiler libgrpc-dev libqrencode-dev libpng-dev zlib1g-dev
	nginx curl ca-certificates
	python3 python3-grpcio python3-protobuf python3-cryptography protobuf-compiler)
test_pkgs=(postgresql postgresql-client mariadb-server mariadb-client
	python3-pytest python3-requests zbar-tools valgrind clang libclang-rt-14-dev
	groff-base systemd logrotate prometheus tmux lighttpd apache2 slapd ldap-utils)
pkgs=("${run_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")
missing=()
# Node and npm for the wallet-side clients of the tests (npm packages): by command, as a
# Node from elsewhere (NodeSource's, which carries its own npm) serves as well.
if [ "$what" = test ]; then
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
fi
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# slapd's package would otherwise make a directory of its own at install;
	# the tests start private instances with their own configuration.
	echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
