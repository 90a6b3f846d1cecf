"""`posefoundry predict ...`: one command group for every trained model (action, pose, hand, body)."""

from __future__ import annotations

import typer

from cli import predict_action, predict_body, predict_hand, predict_pose

app = typer.Typer(help="Run a trained model on a video or an image and show what it sees.", no_args_is_help=True)
app.command("action")(predict_action.action)
app.command("pose")(predict_pose.pose)
app.command("hand")(predict_hand.hand)
app.command("body")(predict_body.body)
