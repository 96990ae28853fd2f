#!/usr/bin/env bash
# Nightly backup (cron: `15 2 * * * /opt/zhongfu/deploy/backup.sh`): a consistent copy of the
# database, safe while the bot runs, keeping the last 14.
set -euo pipefail
cd /var/lib/zhongfu
dest=/var/backups/zhongfu
mkdir -p "$dest"
/opt/zhongfu/.venv/bin/zhongfu backup "$dest/zhongfu-$(date +%F).sqlite3"
ls -1t "$dest"/zhongfu-*.sqlite3 | tail -n +15 | xargs -r rm --
