#!/usr/bin/env bash
# Install the system packages the portal needs, only when they are missing.
#   base:    gettext (msgfmt, to compile the translations)
#   browser: Debian's chromium, a CJK font, and axe-core from npm
#   bench:   wrk, the load generator
#   cluster: the one-box cluster of `make cluster` (scripts/cluster.py): HAProxy 2.6,
#            PgBouncer, Patroni 3.0 with etcd 3.4, Redis Sentinel (PostgreSQL 15
#            and redis-server are the base machine's). Their packaged services are
#            not started: the project runs its own under var/cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-base}"
need=()
command -v msgfmt >/dev/null || need+=(gettext)
if [ "$what" = bench ]; then
  command -v wrk >/dev/null || need+=(wrk)
fi
if [ "$what" = cluster ]; then
  command -v haproxy >/dev/null || need+=(haproxy)
  command -v pgbouncer >/dev/null || need+=(pgbouncer)
  command -v patroni >/dev/null || need+=(patroni)
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v etcdctl >/dev/null || need+=(etcd-client)
  command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/15/bin/postgres >/dev/null 2>&1 || need+=(postgresql-15)
fi
if [ "$what" = browser ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-microhei)
  command -v npm >/dev/null || need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "[deps] installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Packaged daemons (haproxy, pgbouncer, etcd, redis, sentinel) must not start
  # on install: policy-rc.d answering 101 keeps them stopped.
  no_start=""
  if [ "$what" = cluster ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    no_start=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$what" = browser ] && [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "[deps] installing axe-core"
  npm ci --no-audit --no-fund --silent
fi
