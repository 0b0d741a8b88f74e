#!/usr/bin/env bash
# Installs the servers the end-to-end suites run behind tunnels: PostgreSQL, MariaDB and
# OpenSSH, from Debian's packages. The suites start private instances of them on loopback (own
# data directories and ports), so no system service is needed: services are kept from starting
# while the packages are installed. Safe to run again; does nothing when everything is there.
#
# Exit codes: 0 = installed (or already there), 3 = missing and cannot install here (not root and
# no usable sudo, or no apt-get), anything else = the installation failed.
set -euo pipefail

packages=(postgresql mariadb-server openssh-server openssh-client)

missing=()
have_postgres() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ] &&
      [ -x "$dir/pg_dump" ] && [ -x "$dir/pg_restore" ]; then
      return 0
    fi
  done
  return 1
}
have_any() {
  local candidate
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ]; then return 0; fi
  done
  return 1
}
have_postgres || missing+=("PostgreSQL server and client (initdb, pg_ctl, pg_dump, pg_restore)")
have_any mariadbd /usr/sbin/mariadbd || missing+=("mariadbd")
have_any mariadb-install-db /usr/bin/mariadb-install-db || missing+=("mariadb-install-db")
have_any /usr/sbin/sshd || missing+=("sshd")
have_any /usr/lib/openssh/sftp-server || missing+=("sftp-server")
for tool in ssh scp ssh-keygen; do
  have_any "$tool" || missing+=("$tool")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: PostgreSQL, MariaDB and OpenSSH are installed; nothing to do"
  exit 0
fi

echo "install-system-deps: missing: ${missing[*]}"
manual="apt-get install -y --no-install-recommends ${packages[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: no apt-get here; install PostgreSQL (server and client), MariaDB" >&2
  echo "  server and OpenSSH (server and client) with your package manager." >&2
  exit 3
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    as_root=(sudo)
  else
    echo "install-system-deps: not root and no usable sudo; as root, run:" >&2
    echo "  apt-get update && $manual" >&2
    exit 3
  fi
fi

# Debian's maintainer scripts start services through invoke-rc.d, which asks policy-rc.d first:
# 101 = "not allowed". An existing policy (as in container images) is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  own_policy=true
fi
remove_policy() {
  if [ "$own_policy" = true ]; then "${as_root[@]}" rm -f "$policy"; fi
}
trap remove_policy EXIT

# The suites never use the system instances. Should a service have started anyway (a policy that
# allows it), stop it, so that nothing new is left running; services that ran before stay.
service_active() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl is-active --quiet "$1" 2>/dev/null
  elif command -v service >/dev/null 2>&1; then
    "${as_root[@]}" service "$1" status >/dev/null 2>&1
  else
    return 1
  fi
}
stop_service() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl stop "$1" 2>/dev/null || true
  else
    "${as_root[@]}" service "$1" stop >/dev/null 2>&1 || true
  fi
}
services=(postgresql mariadb ssh)
was_active=()
for service in "${services[@]}"; do
  if service_active "$service"; then was_active+=("$service"); fi
done

echo "install-system-deps: apt-get install ${packages[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends "${packages[@]}"

for service in "${services[@]}"; do
  if [[ " ${was_active[*]} " != *" $service "* ]] && service_active "$service"; then
    echo "install-system-deps: stopping the $service service (the suites start their own)"
    stop_service "$service"
  fi
done

echo "install-system-deps: done"
