"""The deployment files, checked without Docker: compose files parse and say what the README
says, the systemd units pass `systemd-analyze verify` where it exists, the Dockerfile installs
and runs as README.md does, secrets stay out of git and images, and the backup script keeps
N owner-only copies."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("zhongfu.service", "zhongfu-backup.service", "zhongfu-backup.timer")


def readme_block(marker: str) -> str:
    """The code block between README's <!-- marker --> comments."""
    text = (ROOT / "README.md").read_text("utf-8")
    found = re.search(rf"<!-- {marker} -->\s*```\w*\n(.*?)```\s*<!-- /{marker} -->", text, re.S)
    assert found, f"README.md has no {marker} block"
    return found.group(1).strip()


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in lines if line and not line.startswith("#")]


def exec_form(args: str) -> list[str]:
    """A JSON-array CMD/HEALTHCHECK argument as a list."""
    return list(yaml.safe_load(args[args.index("["):]))


def unit(name: str) -> dict[str, list[str]]:
    """key -> values of a systemd unit file (all sections)."""
    values: dict[str, list[str]] = {}
    for raw in (DEPLOY / name).read_text("utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_dockerfile_installs_and_runs_as_the_readme_says() -> None:
    steps = [step.strip() for step in readme_block("run-command").split("&&")]
    install, run = steps[:-1], steps[-1]
    instructions = dockerfile()
    runs = [args for name, args in instructions if name == "RUN"]
    assert any(" && ".join(install) in args for args in runs), (install, runs)
    cmd = [args for name, args in instructions if name == "CMD"][-1]
    assert " ".join(exec_form(cmd)).endswith(run), (cmd, run)


def test_dockerfile_is_slim_non_root_with_a_data_volume_and_a_healthcheck() -> None:
    instructions = dockerfile()
    base = next(args for name, args in instructions if name == "FROM")
    assert base.endswith("-slim")
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(name == "VOLUME" and "/data" in args for name, args in instructions)
    env = " ".join(args for name, args in instructions if name == "ENV")
    assert "ZHONGFU_DATABASE=/data/" in env
    check = next(args for name, args in instructions if name == "HEALTHCHECK")
    assert exec_form(check) == ["zhongfu", "doctor", "--quick"]


def compose(name: str) -> dict[str, object]:
    """A compose file, parsed."""
    data = yaml.safe_load((DEPLOY / name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", ["compose.yaml", "compose.webhook.yaml"])
def test_compose_files_parse_and_keep_the_database_on_a_volume(name: str) -> None:
    services = compose(name)["services"]
    assert isinstance(services, dict)
    bot = services["bot"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / bot["build"]["dockerfile"].removeprefix("deploy/")).exists()
    assert bot["env_file"] == "zhongfu.env"
    assert any(volume.endswith(":/data") for volume in bot["volumes"])
    assert bot["restart"] == "unless-stopped"
    assert "ports" not in bot, "the bot itself is never published"


def test_webhook_compose_puts_caddy_with_tls_in_front() -> None:
    services = compose("compose.webhook.yaml")["services"]
    assert isinstance(services, dict)
    assert services["bot"]["environment"]["ZHONGFU_LISTEN"] == "0.0.0.0:8080"
    caddy = services["caddy"]
    assert caddy["image"].startswith("caddy:")
    assert "443:443" in caddy["ports"] and "80:80" in caddy["ports"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    caddyfile = (DEPLOY / "Caddyfile").read_text("utf-8")
    assert "{$ZHONGFU_DOMAIN}" in caddyfile and "reverse_proxy bot:8080" in caddyfile
    assert "handle /healthz" not in caddyfile, "health stays inside"
    example = (DEPLOY / "zhongfu.env.example").read_text("utf-8")
    assert "ZHONGFU_WEBHOOK_URL=https://" in example and "ZHONGFU_WEBHOOK_SECRET" in example


def test_systemd_unit_is_hardened_and_runs_as_the_readme_says() -> None:
    service = unit("zhongfu.service")
    for key, value in {"UMask": "0077", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "PrivateTmp": "yes", "Restart": "on-failure",
                       "RestartPreventExitStatus": "2"}.items():
        assert service.get(key) == [value], key
    assert "/var/lib/zhongfu" in service["ReadWritePaths"][0].split()
    assert service["WorkingDirectory"] == ["/var/lib/zhongfu"]
    run = readme_block("run-command").split("&&")[-1].strip()
    assert service["ExecStart"][0].endswith(run)
    backup = unit("zhongfu-backup.service")
    assert backup["UMask"] == ["0077"] and backup["Type"] == ["oneshot"]
    assert backup["ExecStart"] == ["/opt/zhongfu/deploy/backup.sh"]
    assert unit("zhongfu-backup.timer")["Persistent"] == ["true"]


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here: unit verification skipped")
    # verify insists that ExecStart exists: point it at a stand-in, keep everything else.
    stand_in = tmp_path / "zhongfu"
    stand_in.write_text("#!/bin/sh\n", encoding="utf-8")
    stand_in.chmod(0o755)
    for name in UNITS:
        text = (DEPLOY / name).read_text("utf-8")
        text = re.sub(r"^ExecStart=\S+", f"ExecStart={stand_in}", text, flags=re.M)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run([tool, "verify", *(str(tmp_path / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60, check=False)
    output = result.stdout + result.stderr
    # verify warns (and still exits 0) about unknown keys and unparsable values: any line
    # about our files is a problem. Lines about the host (no systemd running) are not.
    problems = [line for line in output.splitlines()
                if str(tmp_path) in line or "ignoring" in line or "Unknown" in line]
    assert result.returncode == 0 and not problems, output


def test_secrets_stay_out_of_git_and_images() -> None:
    git = shutil.which("git")
    if git is not None and (ROOT / ".git").exists():
        for path in (".env", "deploy/zhongfu.env", "zhongfu.sqlite3", "zhongfu.sqlite3-wal"):
            ignored = subprocess.run([git, "check-ignore", "-q", path], cwd=ROOT, check=False)
            assert ignored.returncode == 0, f"{path} is not git-ignored"
    dockerignore = (ROOT / ".dockerignore").read_text("utf-8").split()
    for pattern in (".env", "deploy/*.env", "*.sqlite3", "*.sqlite3-*", ".git", ".venv"):
        assert pattern in dockerignore, pattern


def test_readme_deploy_commands_name_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    deploy = text[text.index("## Deploy"):]
    named = set(re.findall(r"deploy/[\w.-]+", deploy))
    assert {"deploy/zhongfu.service", "deploy/zhongfu-backup.timer", "deploy/compose.yaml",
            "deploy/compose.webhook.yaml"} <= named
    for path in named:
        if not path.endswith(".env"):
            assert (ROOT / path).exists(), path
    for command in ("doctor", "backup", "restore"):
        assert re.search(rf"\b(zf|zhongfu) {command}\b", deploy), command


def backup_script(tmp_path: Path, database: Path, dest: Path,
                  keep: int) -> subprocess.CompletedProcess[str]:
    """Run deploy/backup.sh as the timer would, with `python -m bot` as zhongfu."""
    env = {**os.environ, "ZHONGFU_HOME": str(tmp_path), "ZHONGFU_BACKUP_DIR": str(dest),
           "ZHONGFU_KEEP_BACKUPS": str(keep), "ZHONGFU_DATABASE": str(database),
           "ZHONGFU_BIN": f"{shlex.quote(sys.executable)} -m bot", "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", str(DEPLOY / "backup.sh")], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_backup_rotation_keeps_manual_copies_and_renames_old_nightly_ones(
        tmp_path: Path) -> None:
    database = tmp_path / "zhongfu.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    dest = tmp_path / "backups"
    dest.mkdir(mode=0o700)
    manual = ["zhongfu-before-upgrade-2026-01-01.sqlite3", "zhongfu-manual-2026-01-02.sqlite3"]
    old_nightly = [f"zhongfu-2026-02-0{day}T021500.sqlite3" for day in range(1, 4)]
    for age, name in enumerate([*manual, *old_nightly], start=1):  # manual copies the oldest
        (dest / name).write_bytes(b"old")
        os.utime(dest / name, (age * 86400, age * 86400))
    result = backup_script(tmp_path, database, dest, keep=9)
    assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in dest.iterdir())
    # An earlier version's nightly copies take the new name (and rotate with the others).
    renamed = [name.replace("zhongfu-", "zhongfu-nightly-") for name in old_nightly]
    assert set(renamed) | set(manual) <= set(left) and not set(old_nightly) & set(left), left
    for _night in range(2):
        time.sleep(1.1)  # copies are named to the second
        result = backup_script(tmp_path, database, dest, keep=2)
        assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in dest.iterdir())
    nightly = [name for name in left if name.startswith("zhongfu-nightly-")]
    assert len(nightly) == 2 and not set(renamed) & set(nightly), left
    assert sorted(set(left) - set(nightly)) == sorted(manual), "manual copies are never rotated"


def test_a_failed_backup_night_leaves_no_partial_copy(tmp_path: Path) -> None:
    database = tmp_path / "zhongfu.sqlite3"
    database.write_bytes(b"not a database, the copy fails after its file is made " * 100)
    dest = tmp_path / "backups"
    result = backup_script(tmp_path, database, dest, keep=3)
    assert result.returncode != 0
    assert "no backup written" in result.stderr, result.stderr
    assert list(dest.iterdir()) == [], "a failed night leaves no .partial-… file"


def test_backup_script_keeps_the_newest_copies_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "zhongfu.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    dest = tmp_path / "backups"
    dest.mkdir(mode=0o755)
    for day in range(1, 5):  # four older nightly copies
        old = dest / f"zhongfu-2026-01-0{day}T021500.sqlite3"
        old.write_bytes(b"old")
        os.utime(old, (day * 86400, day * 86400))
    env = {**os.environ, "ZHONGFU_HOME": str(tmp_path), "ZHONGFU_BACKUP_DIR": str(dest),
           "ZHONGFU_KEEP_BACKUPS": "3", "ZHONGFU_DATABASE": str(database),
           "ZHONGFU_BIN": f"{shlex.quote(sys.executable)} -m bot", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["bash", str(DEPLOY / "backup.sh")], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in dest.iterdir())
    assert len(left) == 3 and "zhongfu-2026-01-01T021500.sqlite3" not in left
    newest = max(dest.iterdir(), key=lambda p: p.stat().st_mtime)
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    with sqlite3.connect(newest) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchone() == ("t",)
    conn.close()
