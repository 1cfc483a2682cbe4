"""L-5: the growth detector (own baseline, cycles, significance) and the detect command."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from buzzstock.listen.cli import listen_app
from buzzstock.listen.detect import (
    HOUR,
    CountSeries,
    Tier,
    anscombe_z,
    detect_alerts,
    growth_tier,
    regular_series,
)
from buzzstock.listen.settings import ListenSettings

START = datetime(2026, 1, 5, tzinfo=UTC)


def series(
    per_day: float,
    days: int,
    surge: float = 1.0,
    surge_from: int = 21,
    seed: int = 1,
    surge_days: int = 4,
) -> CountSeries:
    """Poisson hourly counts with a daily and a weekly cycle, and an optional surge."""
    rng = random.Random(seed)
    counts = []
    for hour in range(days * 24):
        day = hour // 24
        rate = per_day / 24 * (1 + 0.7 * math.sin((hour % 24 - 8) / 24 * 2 * math.pi))
        rate *= 1.3 if (START + hour * HOUR).weekday() >= 5 else 1.0
        if surge_from <= day < surge_from + surge_days:
            rate *= surge
        counts.append(_poisson(rng, rate))
    return CountSeries(START, HOUR, tuple(float(count) for count in counts))


def _poisson(rng: random.Random, rate: float) -> int:
    threshold, count, product = math.exp(-rate), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def test_seed_tiers_on_both_sides_of_each_threshold() -> None:
    assert growth_tier(0.99) is None
    assert growth_tier(1.00) is Tier.YELLOW
    assert growth_tier(1.49) is Tier.YELLOW
    assert growth_tier(1.50) is Tier.ORANGE
    assert growth_tier(2.50) is Tier.ORANGE
    assert growth_tier(2.51) is Tier.RED
    tuned = ListenSettings(yellow_growth=1.5, orange_growth=2.0, red_growth=3.0)
    assert growth_tier(1.2, tuned) is None and growth_tier(3.1, tuned) is Tier.RED


def test_a_quiet_products_three_to_nine_mentions_is_not_significant() -> None:
    assert anscombe_z(9, 3, 1.0) < ListenSettings().significance_z
    assert anscombe_z(150, 50, 1.0) > 3 * ListenSettings().significance_z


def test_quiet_noise_and_cycles_raise_no_alert() -> None:
    for seed in range(5):
        assert detect_alerts(series(3, 35, seed=seed)) == []
        assert detect_alerts(series(120, 35, seed=seed)) == []


def quiet_product(surge_day_mentions: int, days: int = 30) -> CountSeries:
    """Three mentions a day (at 9:00, 13:00, 20:00), then one day with more."""
    counts = [0.0] * (days * 24)
    for day in range(days):
        hours = (9, 13, 20) if day != days - 2 else range(8, 8 + surge_day_mentions)
        extra = surge_day_mentions - len(hours) if day == days - 2 else 0
        for hour in hours:
            counts[day * 24 + hour % 24] += 1
        counts[day * 24 + 12] += max(extra, 0)
    return CountSeries(START, HOUR, tuple(counts))


def test_a_quiet_products_three_to_nine_is_no_alert_but_three_to_thirty_is_red() -> None:
    assert detect_alerts(quiet_product(3)) == []
    assert detect_alerts(quiet_product(9)) == []
    alerts = detect_alerts(quiet_product(30))
    assert alerts and alerts[-1].tier is Tier.RED


def test_a_real_surge_escalates_to_red_within_a_day() -> None:
    alerts = detect_alerts(series(50, 30, surge=4))
    assert alerts, "surge missed"
    surge_start = START + timedelta(days=21)
    assert surge_start < alerts[0].start < surge_start + timedelta(hours=24)
    assert [alert.tier for alert in alerts] == sorted(alert.tier for alert in alerts)
    assert alerts[-1].tier is Tier.RED and alerts[-1].growth > 2.5
    assert all(earlier.end == later.start for earlier, later in pairwise(alerts))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), surge=st.floats(1.0, 6.0), per_day=st.floats(2, 200))
def test_every_alert_is_decided_from_data_before_its_start(
    seed: int, surge: float, per_day: float
) -> None:
    full = series(per_day, 28, surge=surge, seed=seed)
    for alert in detect_alerts(full):
        keep = int((alert.start - full.start) / HOUR)
        truncated = CountSeries(full.start, HOUR, full.counts[:keep])
        again = detect_alerts(truncated)
        assert again, "the alert needed data after its start"
        assert (again[-1].start, again[-1].tier, again[-1].growth) == (
            alert.start,
            alert.tier,
            alert.growth,
        )


def test_finer_data_is_aggregated_to_hours_and_gaps_count_zero() -> None:
    rows = [(START + timedelta(minutes=15 * index), 1.0) for index in range(8)]
    rows.append((START + timedelta(hours=5), 2.0))
    aggregated = regular_series(rows)
    assert aggregated.bucket == HOUR
    assert aggregated.counts == (4.0, 4.0, 0.0, 0.0, 0.0, 2.0)
    daily = regular_series([(START + timedelta(days=index), 5.0) for index in range(3)])
    assert daily.bucket == timedelta(days=1) and daily.counts == (5.0, 5.0, 5.0)


def test_detect_command_writes_the_alert_contract(tmp_path: Path) -> None:
    surge = series(40, 30, surge=5)
    csv_path = tmp_path / "counts.csv"
    lines = ["timestamp,count"]
    for index, count in enumerate(surge.counts):
        moment = surge.start + index * HOUR
        lines.append(f"{moment.isoformat()},{count / 2:g}")
        lines.append(f"{(moment + timedelta(minutes=30)).isoformat()},{count - count / 2:g}")
    csv_path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "alerts.json"
    result = CliRunner().invoke(listen_app, ["detect", str(csv_path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert set(document) == {"alerts"} and document["alerts"]
    for alert in document["alerts"]:
        assert set(alert) == {"start", "end", "tier", "growth"}
        assert alert["tier"] in ("yellow", "orange", "red")
        assert datetime.fromisoformat(alert["start"]) <= datetime.fromisoformat(alert["end"])
        assert alert["growth"] >= 1.0
    assert document["alerts"][-1]["tier"] == "red"


def test_detect_command_refuses_a_bad_file_and_writes_nothing(tmp_path: Path) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(
        "timestamp,count\n2026-01-01T00:00:00Z,3\nsoon,2\n2026-01-01T02:00:00Z,-1\n"
    )
    out = tmp_path / "alerts.json"
    result = CliRunner().invoke(listen_app, ["detect", str(csv_path), "--json", str(out)])
    assert result.exit_code == 1
    assert "line 3" in result.stderr and "line 4" in result.stderr
    assert not out.exists()
