"""`posefoundry`: sample, build, inspect, train and serve from one command."""

from __future__ import annotations

from cli.environment import configure, project_root

configure(project_root())

import typer  # noqa: E402

from cli import build, convert_models, predict, readers, retrain, sample, serve, server, shards, tables, train  # noqa: E402

app = typer.Typer(
    name="posefoundry",
    help="Dataset builds and training for human pose, hands, bodies and actions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("sample")(sample.sample)
app.command("build")(build.build)
app.command("readers")(readers.readers)
app.add_typer(shards.app, name="shards")
app.add_typer(tables.app, name="tables")
app.command("serve")(serve.serve)
app.command("server", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(server.server)
app.command("retrain")(retrain.retrain)
app.command("deployments")(serve.deployments)
app.add_typer(train.app, name="train")
app.add_typer(predict.app, name="predict")
app.command("convert-models")(convert_models.convert_models)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
