"""``flask`` commands: tenants, modules, users, tokens, db, jobs, demo."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from core.cli import (
        db_commands,
        demo_commands,
        jobs_commands,
        module_commands,
        tenant_commands,
        user_commands,
    )

    for group in (
        tenant_commands.tenants, module_commands.modules, user_commands.users, user_commands.tokens,
        db_commands.db_group, jobs_commands.jobs, demo_commands.demo,
    ):
        app.cli.add_command(group)
