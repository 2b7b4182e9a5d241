#!/usr/bin/env bash
# Back up the donations database to DIR, keeping the newest KEEP backups (default 14).
#
#   deploy/backup.sh /var/backups/donations 14
#
# DATABASE_URL comes from the environment, else from ./.env, else the default
# sqlite://donations.db (relative to the current directory, as for the server).
# - SQLite: `donations backup`, a consistent copy taken while the server runs (VACUUM INTO).
# - PostgreSQL: `pg_dump --format=custom` (restore with pg_restore; docs/deploy.md).
# DONATIONS_BIN names the binary (default: donations on PATH). Exits non-zero on any failure,
# so that cron mails the error.
set -euo pipefail

dir="${1:?usage: backup.sh DIR [KEEP]}"
keep="${2:-14}"
case "$keep" in '' | *[!0-9]* | 0) echo "backup.sh: KEEP must be a positive number" >&2; exit 2 ;; esac
bin="${DONATIONS_BIN:-donations}"

url="${DATABASE_URL:-}"
if [ -z "$url" ] && [ -f .env ]; then
  url="$(sed -n 's/^[[:space:]]*DATABASE_URL=//p' .env | tail -n 1 | sed 's/^"\(.*\)"$/\1/')"
fi
url="${url:-sqlite://donations.db}"

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
case "$url" in
  sqlite:*)
    out="$dir/donations-$stamp.db"
    DATABASE_URL="$url" "$bin" backup --out "$out" >/dev/null
    pattern='donations-*.db'
    ;;
  postgres:* | postgresql:*)
    out="$dir/donations-$stamp.dump"
    pg_dump --format=custom --no-owner --file="$out.partial" "$url"
    mv "$out.partial" "$out"
    pattern='donations-*.dump'
    ;;
  *)
    echo "backup.sh: DATABASE_URL must be sqlite:// or postgres://" >&2
    exit 2
    ;;
esac
echo "$out"

# Rotation: the names sort by time; remove all but the newest $keep.
find "$dir" -maxdepth 1 -type f -name "$pattern" | sort | head -n "-$keep" | while read -r old; do
  rm -f -- "$old"
done
