#!/usr/bin/env bash
# Nightly backup (systemd: deploy/zhongfu-backup.timer; or cron:
# `15 2 * * * /opt/zhongfu/deploy/backup.sh`): a consistent copy of the database, safe while
# the bot runs, readable by its owner only, keeping the newest ZHONGFU_KEEP_BACKUPS (14).
set -euo pipefail
umask 077
cd "${ZHONGFU_HOME:-/var/lib/zhongfu}"
dest=${ZHONGFU_BACKUP_DIR:-/var/backups/zhongfu}
keep=${ZHONGFU_KEEP_BACKUPS:-14}
read -ra zhongfu <<< "${ZHONGFU_BIN:-/opt/zhongfu/.venv/bin/zhongfu}"
if ! [[ $keep =~ ^[1-9][0-9]*$ ]]; then
  echo "backup.sh: ZHONGFU_KEEP_BACKUPS must be a positive number, got '$keep'" >&2
  exit 2
fi
mkdir -p "$dest"
chmod 700 "$dest"
# Nightly copies are zhongfu-nightly-…; anything else in the folder (README's manual
# zhongfu-before-upgrade-… and zhongfu-manual-… copies) is never rotated away.
# Nightly copies of earlier versions were named zhongfu-YYYY-MM-DDTHHMMSS: renamed once.
for old in "$dest"/zhongfu-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9].sqlite3; do
  [[ -e $old ]] && mv -n -- "$old" "$dest/zhongfu-nightly-${old##*/zhongfu-}"
done
name="zhongfu-nightly-$(date +%Y-%m-%dT%H%M%S).sqlite3"
partial="$dest/.partial-$name"
# Written under a temporary name first: a half-written copy never counts as a backup, and a
# failed night leaves nothing behind.
trap 'rm -f -- "$partial"' EXIT
"${zhongfu[@]}" backup "$partial"
chmod 600 "$partial"
mv "$partial" "$dest/$name"
# Keep the newest $keep nightly copies.
ls -1t "$dest"/zhongfu-nightly-*.sqlite3 | tail -n +"$((keep + 1))" | xargs -r rm --
echo "backup.sh: $dest/$name"
