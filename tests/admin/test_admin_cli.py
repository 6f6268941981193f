"""`madoguchi admin ...` as an operator runs it (subprocesses on a fresh SQLite file): the README's "Setting
up a real desk" commands, from an empty database to an interpreter who may go available."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import create_engine, create_sessionmaker
from app.interpreter.models import Interpreter
from app.staff.models import StaffUser
from tests.app.test_cli import _run

pytestmark = pytest.mark.slow


def test_setting_up_a_real_desk(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"

    def run(*args: str, stdin: str = "") -> str:
        done = _run(list(args), tmp_path, stdin=stdin, MADOGUCHI_DATABASE_URL=url)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def refused(*args: str) -> str:
        done = _run(list(args), tmp_path, MADOGUCHI_DATABASE_URL=url)
        assert done.returncode != 0, args
        return done.stderr

    run("migrate")
    run("seed")
    pw = "a long enough password\n"
    run("create-user", "--username", "sato", "--role", "admin", "--password-stdin", stdin=pw)
    run("create-user", "--username", "anita", "--role", "interpreter", "--password-stdin", stdin=pw)
    assert "unknown or inactive vendor" in refused(
        "admin", "add-interpreter", "--display-name", "Anita", "--vendor", "Kibi", "--languages", "ne,hi"
    )
    run("admin", "add-vendor", "Kibi Interpreting")
    made = run(
        "admin", "add-interpreter", "--display-name", "Anita", "--vendor", "Kibi Interpreting",
        "--languages", "ne,hi", "--gender", "female", "--dv-cleared", "--username", "anita",
    )  # fmt: skip
    assert "signs in as 'anita'" in made
    assert "unknown language(s) xx" in refused("admin", "edit-interpreter", "1", "--languages", "xx")
    run("admin", "edit-interpreter", "1", "--child-cleared")
    listed = run("admin", "interpreters")
    assert "Anita\tKibi Interpreting\thi,ne\tanita\tactive DV child" in listed

    token = run("register-device", "--site", "soja-counter", "--name", "tab-1").strip().splitlines()[-1]
    assert token.startswith("mdv_")
    assert "tab-1\tsoja-counter\tlast seen never\tactive" in run("admin", "devices")
    run("admin", "edit-device", "1", "--site", "kurashiki-desk", "--name", "tab-2")
    assert "revoked" in run("admin", "revoke-device", "1")
    assert "tab-2\tkurashiki-desk" in run("admin", "devices")
    assert "disabled" in run("admin", "disable-user", "anita")
    run("admin", "enable-user", "anita")
    run("admin", "reset-password", "anita", "--password-stdin", stdin="another long password\n")
    assert "last active admin" in refused("admin", "edit-user", "sato", "--role", "coordinator")
    assert "counselor" in run("admin", "edit-user", "anita", "--role", "counselor", "--languages", "ja,ne")

    async def check() -> None:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as db:
                interpreter = (await db.scalars(select(Interpreter))).one()
                user = await db.scalar(select(StaffUser).where(StaffUser.username == "anita"))
                assert user is not None and interpreter.staff_user_id == user.id and user.active
                assert user.role.value == "counselor"
                assert sorted(x.code for x in user.languages) == ["ja", "ne"]
                assert interpreter.dv_cleared and interpreter.child_cleared
                actions = (await db.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
                assert [a for a in actions if a.startswith("admin.")] == [
                    "admin.vendor.create",
                    "admin.interpreter.create",
                    "admin.interpreter.update",
                    "admin.device.update",
                    "admin.device.revoke",
                    "admin.staff.disable",
                    "admin.staff.enable",
                    "admin.staff.reset_password",
                    "admin.staff.update",
                ]
        finally:
            await engine.dispose()

    asyncio.run(check())
