"""The run logger inside a flow, the module logger outside one (plain Python use, tests)."""

from __future__ import annotations

import logging

from prefect import get_run_logger


def logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # called outside a flow run
        return logging.getLogger("posefoundry.build")
