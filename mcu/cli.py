"""`mcu`: migrate, apply a setup file, run the system (all in one process or API and worker apart),
invite staff, issue tokens, register items, run a job now and make the weekly note. The commands
live in mcu/admin.py, mcu/serve.py and mcu/digest.py; here they are named, in the order `mcu
--help` lists them."""

import sys

import typer

from mcu.admin import invite, item_register, migrate, run_job, setup_apply, token_create
from mcu.digest import digest
from mcu.serve import api, bot, run, worker

app = typer.Typer(help="МЦУ: обращения граждан, сроки и эскалации.", no_args_is_help=True)
setup_app = typer.Typer(help="Настройка муниципалитета из YAML-файла.", no_args_is_help=True)
token_app = typer.Typer(help="Токены доступа к API.", no_args_is_help=True)
item_app = typer.Typer(help="Обращения.", no_args_is_help=True)
app.add_typer(setup_app, name="setup")
app.add_typer(token_app, name="token")
app.add_typer(item_app, name="item")

app.command()(migrate)
setup_app.command("apply")(setup_apply)
app.command()(run)
app.command()(api)
app.command()(worker)
app.command()(bot)
app.command("job")(run_job)
app.command()(invite)
token_app.command("create")(token_create)
item_app.command("register")(item_register)
app.command()(digest)


def main() -> None:  # pragma: no cover
    sys.exit(app())
