"""`mcu`: migrate, apply a setup file, run the system (all in one process or API and worker apart),
invite staff, issue tokens, register items, run a job now and make the weekly note. The commands
live in mcu/admin.py, mcu/serve.py and mcu/digest.py; here they are named, in the order `mcu
--help` lists them."""

import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated, Any

import typer

from mcu.admin import invite, item_register, migrate, run_job, setup_apply
from mcu.appeals import import_pos
from mcu.digest import digest
from mcu.incidents import precision
from mcu.ops import health, outbox_dead, outbox_resend
from mcu.routing import report, train
from mcu.serve import api, bot, run, worker
from mcu.tokens import token_create, token_list, token_revoke
from models.settings_check import SettingsInvalid


class Mcu(typer.Typer):
    """The `mcu` application: refused settings end any command with their one line, exit 2
    (never pydantic's message, which repeats the value, nor a traceback)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except SettingsInvalid as e:
            typer.secho(f"Ошибка: {e}", fg="red", err=True)
            sys.exit(2)


def _print_version(asked: bool) -> None:
    if asked:
        try:
            typer.echo(f"mcu {package_version('mcu')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("mcu (версия неизвестна: пакет не установлен)")
        raise typer.Exit()


app = Mcu(
    help="МЦУ: обращения граждан, сроки и эскалации.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # a crash's locals hold tokens and citizens' data
)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="показать версию и выйти"
        ),
    ] = False,
) -> None:
    """МЦУ: обращения граждан, сроки и эскалации."""


setup_app = typer.Typer(help="Настройка муниципалитета из YAML-файла.", no_args_is_help=True)
token_app = typer.Typer(help="Токены доступа к API.", no_args_is_help=True)
item_app = typer.Typer(help="Обращения.", no_args_is_help=True)
app.add_typer(setup_app, name="setup")
app.add_typer(token_app, name="token")
app.add_typer(item_app, name="item")
outbox_app = typer.Typer(help="Недоставленные уведомления.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
incidents_app = typer.Typer(help="Инциденты из социальных сетей.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
appeals_app = typer.Typer(help="Обращения по 59-ФЗ: загрузка из ПОС.", no_args_is_help=True)
app.add_typer(appeals_app, name="appeals")
routing_app = typer.Typer(
    help="Обученная маршрутизация: обучение моделей и их показатели.", no_args_is_help=True
)
app.add_typer(routing_app, name="routing")

app.command()(migrate)
setup_app.command("apply")(setup_apply)
app.command()(run)
app.command()(api)
app.command()(worker)
app.command()(bot)
app.command("job")(run_job)
app.command()(invite)
token_app.command("create")(token_create)
token_app.command("list")(token_list)
token_app.command("revoke")(token_revoke)
item_app.command("register")(item_register)
app.command()(digest)
app.command()(health)
outbox_app.command("dead")(outbox_dead)
outbox_app.command("resend")(outbox_resend)
incidents_app.command("precision")(precision)
appeals_app.command("import-pos")(import_pos)
routing_app.command("train")(train)
routing_app.command("report")(report)


def main() -> None:  # pragma: no cover
    sys.exit(app())
