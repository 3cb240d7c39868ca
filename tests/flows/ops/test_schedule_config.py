"""The [schedule] and [notify] tables: a mistake in either is a configuration error (exit 2)
naming the key and the file; a cron the configuration takes is one Prefect schedules; "today"
is the day in the schedule's time zone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import ConfigError, ScheduleSettings, load_config

runner = CliRunner()


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def with_tables(make_config, tmp_path: Path):
    """``with_tables(text, top="")``: a configuration on no sources with `text` (TOML tables)
    added, and `top` (top-level keys) before the rest."""

    def write(text: str, top: str = "") -> Path:
        path = make_config(tmp_path, sources=[])
        path.write_text(top + path.read_text() + text)
        return path

    return write


@pytest.mark.parametrize(
    ("tables", "key", "message"),
    [
        ('[schedule]\ncron = "0 6 * *"\n', "schedule.cron", "not a cron expression of five"),
        ('[schedule]\ncron = "61 6 * * *"\n', "schedule.cron", "not a valid cron expression"),
        ("[schedule]\ncron = 6\n", "schedule.cron", "valid string"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone", "unknown time zone"),
        ('[schedule]\nzone = "UTC"\n', "schedule.zone", "Extra inputs"),
        ('[notify]\nurls = ["nosuch://host/x"]\n', "notify.urls", "scheme 'nosuch'"),
        ('[notify]\non = ["late"]\n', "notify.on.0", "'failed', 'partial' or 'missed'"),
        ('[notify]\nmissed_after = "25:00"\n', "notify.missed_after", "valid time"),
        ("", None, "[schedule] must be a table"),
    ],
)
def test_a_bad_schedule_or_notify_table_exits_2_naming_the_key(
    with_tables, tables: str, key: str | None, message: str
) -> None:
    cfg = with_tables(tables, top="" if tables else 'schedule = "daily"\n')
    result = runner.invoke(app, ["check-missed", "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in (str(cfg), key or "", message):
        assert _flat(text) in _flat(result.output), (text, result.output)


def test_a_notify_url_with_a_password_is_not_echoed(with_tables) -> None:
    cfg = with_tables('[notify]\nurls = ["nosuch://user:hunter2@host/x"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "cron",
    ["0 6 * * *", "15 6 * * 1-5", "*/10 * * * *", "0 6 1,15 * *", "0 6 * * MON", "0 6 L * *"],
)
def test_a_cron_the_configuration_takes_is_one_prefect_schedules(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    ScheduleSettings(cron=cron, timezone="Europe/London")
    assert CronSchedule(cron=cron, timezone="Europe/London").cron == cron


@pytest.mark.parametrize("cron", ["0 6 * *", "60 6 * * *", "0 24 * * *", "H 6 * * *", "x"])
def test_a_cron_prefect_refuses_the_configuration_refuses(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        CronSchedule(cron=cron)
    with pytest.raises(ValidationError):
        ScheduleSettings(cron=cron)


def test_today_is_the_day_in_the_schedules_time_zone(with_tables) -> None:
    # 26 hours apart: never the same date
    east = ScheduleSettings(timezone="Pacific/Kiritimati").today()
    west = ScheduleSettings(timezone="Etc/GMT+12").today()
    assert east != west
    assert east == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    cfg = load_config(with_tables('[schedule]\ntimezone = "Pacific/Kiritimati"\n'))
    assert cfg.schedule.today() == east
    assert load_config(with_tables("")).schedule == ScheduleSettings()  # defaults: 06:00 UTC
