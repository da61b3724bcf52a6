#!/usr/bin/env bash
# Brings a fresh Debian machine (root) to a state where gaoxin runs: system packages,
# PostgreSQL + PostGIS, Redis, the virtualenv, the database and its migrations.
# Idempotent: each step checks before it acts, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

DB_NAME="${GAOXIN_DB_NAME:-gaoxin}"
DB_HOST="${GAOXIN_DB_HOST:-127.0.0.1}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

need_pkgs=()
dpkg -s postgresql-15 >/dev/null 2>&1 || need_pkgs+=(postgresql-15)
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need_pkgs+=(postgresql-15-postgis-3)
dpkg -s gdal-bin >/dev/null 2>&1 || need_pkgs+=(gdal-bin)
dpkg -s libgdal-dev >/dev/null 2>&1 || need_pkgs+=(libgdal-dev)
dpkg -s libgeos-dev >/dev/null 2>&1 || need_pkgs+=(libgeos-dev)
dpkg -s libproj-dev >/dev/null 2>&1 || need_pkgs+=(libproj-dev)
dpkg -s redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
dpkg -s chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_pkgs+=(fonts-noto-cjk)
dpkg -s gettext >/dev/null 2>&1 || need_pkgs+=(gettext)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

if ! pg_isready -q -h "$DB_HOST"; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect 15 main start || true
  for _ in $(seq 30); do pg_isready -q -h "$DB_HOST" && break; sleep 1; done
fi
pg_isready -q -h "$DB_HOST" || { echo "PostgreSQL did not start" >&2; exit 1; }

as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
me="$(id -un)"
if ! psql -h "$DB_HOST" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  log "creating PostgreSQL role $me"
  as_postgres psql -q -c "CREATE ROLE \"$me\" LOGIN SUPERUSER" || true
fi
if ! psql -h "$DB_HOST" -d postgres -tAc "select 1 from pg_database where datname='$DB_NAME'" | grep -q 1; then
  log "creating database $DB_NAME"
  createdb -h "$DB_HOST" "$DB_NAME"
fi
psql -q -h "$DB_HOST" -d "$DB_NAME" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/gaoxin.log
  for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

stamp=.venv/.requirements.sha
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "building the virtualenv from requirements.txt"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi

if [ -d locale ]; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore .venv
fi

log "applying migrations"
.venv/bin/python manage.py migrate --noinput -v 0
