#!/bin/sh
# One run of the postgres chart's backup CronJob: dump the database with pg_dump's custom
# format into $BACKUP_DIR, then keep the newest $BACKUP_KEEP dumps and delete older ones.
# The connection comes from libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD,
# PGDATABASE); restoring a dump is described in the chart's README. pg_dump and pg_restore are
# on the image's PATH (docker-library/postgres 17/bookworm/Dockerfile:
# ENV PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin); --format=custom, --no-password, --file
# and pg_restore --list are PostgreSQL 17's (https://www.postgresql.org/docs/17/app-pgdump.html,
# app-pgrestore.html).
set -eu

: "${BACKUP_DIR:?}" "${BACKUP_KEEP:?}" "${PGDATABASE:?}"
case "$BACKUP_KEEP" in
  '' | *[!0-9]* | 0) echo "BACKUP_KEEP must be a whole number of at least 1, not '$BACKUP_KEEP'" >&2; exit 2 ;;
esac

# The dumps hold every LangFuse secret the database does: readable by this user only.
umask 077

# UTC timestamps in the name, so names sort in the order the dumps were taken.
dump="$BACKUP_DIR/$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"

# A dump counts only once complete and readable: written under a temporary name, listed by
# pg_restore, then renamed. A failed run stops here (set -e), before the retention below,
# so the earlier dumps stay; its partial file goes on exit, or with the next run if the pod
# was killed.
rm -f "$BACKUP_DIR"/*.dump.partial
trap 'rm -f "$dump.partial"' EXIT
pg_dump --format=custom --no-password --file="$dump.partial"
pg_restore --list "$dump.partial" >/dev/null
mv "$dump.partial" "$dump"
echo "wrote $dump ($(du -h "$dump" | cut -f1))"

# Retention by count: the glob expands in name order, oldest first.
set -- "$BACKUP_DIR/$PGDATABASE"-[0-9]*T[0-9]*Z.dump
while [ "$#" -gt "$BACKUP_KEEP" ]; do
  rm -f -- "$1"
  echo "deleted $1 (keeping the newest $BACKUP_KEEP)"
  shift
done
