#!/usr/bin/env bash
# Резервная копия базы МЦУ: pg_dump в формате custom, хранятся последние N копий.
# A backup of the МЦУ database: pg_dump in the custom format; the newest N are kept.
#
#   ops/backup.sh                                   # from the compose stack's postgres container
#   DATABASE_URL=postgresql://u:p@host/db ops/backup.sh   # any Postgres, with a local pg_dump
#
# Environment: BACKUP_DIR (./backups), BACKUP_KEEP (14), COMPOSE ("docker compose").
# Nightly, from the directory of docker-compose.yml (crontab -e):
#   15 3 * * *  cd /srv/mcu && ops/backup.sh >> backups/backup.log 2>&1
# Restore: README, "Production" (pg_restore --clean --if-exists).
set -euo pipefail

dir=${BACKUP_DIR:-./backups}
keep=${BACKUP_KEEP:-14}
compose=${COMPOSE:-docker compose}

if ! [[ $keep =~ ^[0-9]+$ ]] || [ "$keep" -lt 1 ]; then
  echo "Ошибка: BACKUP_KEEP должен быть целым числом от 1, а не «$keep»" >&2
  exit 2
fi
url=${DATABASE_URL:-}
case $url in
  "" | postgres://* | postgresql://*) ;;
  postgresql+asyncpg://*) url=postgresql://${url#postgresql+asyncpg://} ;;
  *)
    echo "Ошибка: DATABASE_URL не указывает на Postgres (резервные копии — только для Postgres)" >&2
    exit 2
    ;;
esac

umask 077 # the dump holds citizens' personal data: owner only
mkdir -p "$dir"
out="$dir/mcu-$(date -u +%Y%m%dT%H%M%SZ).dump"
n=1
while [ -e "$out" ]; do # two runs within a second
  n=$((n + 1))
  out="$dir/mcu-$(date -u +%Y%m%dT%H%M%SZ)-$n.dump"
done
part="$out.part"
trap 'rm -f "$part"' EXIT

if [ -n "$url" ]; then
  pg_dump --format=custom --no-owner --file="$part" "$url"
else
  $compose exec -T postgres pg_dump -U mcu -d mcu --format=custom --no-owner >"$part"
fi
if [ ! -s "$part" ]; then
  echo "Ошибка: pg_dump ничего не записал" >&2
  exit 1
fi
if command -v pg_restore >/dev/null 2>&1; then
  pg_restore --list "$part" >/dev/null # a readable archive, not a truncated one
fi
mv "$part" "$out"

# Keep the newest $keep copies (by modification time), remove the rest.
ls -1t "$dir"/mcu-*.dump | tail -n +"$((keep + 1))" | while IFS= read -r old; do
  rm -f -- "$old"
done
echo "Резервная копия: $out ($(du -h "$out" | cut -f1)); хранится копий: $(ls -1 "$dir"/mcu-*.dump | wc -l)"
