"""S-5: the velocity re-weighting's plan (pure arithmetic, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from buzzstock.stock.sync.publication import AllotmentPlan, ChannelDemand, plan_allotments
from buzzstock.stock.sync.rebalancing import sales_rate
from buzzstock.stock.sync.settings import SyncSettings


def planned(
    demands: list[ChannelDemand], region_free: dict[str, int], elastic_free: int
) -> AllotmentPlan:
    return plan_allotments(
        demands, region_free, elastic_free, lead_seconds=3.0, cover_seconds=12.0, min_units=5
    )


def demand(channel: str, display: int, rate: float, **extra: object) -> ChannelDemand:
    fields: dict[str, object] = {"region": "US", "pending": False, **extra}
    return ChannelDemand(channel=channel, display=display, rate=rate, **fields)  # type: ignore[arg-type]


def test_a_channel_about_to_run_dry_gets_the_horizon_of_its_own_sales() -> None:
    result = planned(
        [demand("fast", 20, 20.0, compare_and_swap=True), demand("slow", 40, 2.0)], {"US": 500}, 0
    )
    assert result.displays == {"fast": 240}, "12 s of cover at 20/s; the slow one lasts 20 s"


def test_a_short_pool_serves_the_channel_running_dry_soonest_first() -> None:
    result = planned(
        [
            demand("soon", 5, 10.0, compare_and_swap=True),
            demand("later", 10, 10.0, compare_and_swap=True),
        ],
        {"US": 10},
        0,
    )
    assert result.displays == {"soon": 13, "later": 12}, "25 units last 1.25 s at 20/s"


def test_a_blind_channel_is_only_pushed_when_it_would_show_more_than_now() -> None:
    """A blind set needs its whole value until the next reconciliation."""
    blind = demand("tiktok", 20, 10.0)
    assert planned([blind], {"US": 15}, 0).displays == {}
    assert planned([blind], {"US": 60}, 0).displays == {"tiktok": 60}


def test_an_idle_region_lends_to_the_elastic_pool_for_a_selling_one() -> None:
    result = planned(
        [
            demand("us", 2, 10.0, compare_and_swap=True),
            demand("eu", 50, 1.0, region="EU", compare_and_swap=True),
        ],
        {"US": 0, "EU": 200},
        0,
    )
    assert result.to_elastic == {"EU": result.displays["us"] - 2}
    assert result.displays["us"] > 2


def test_only_settled_compare_and_swap_channels_are_lowered() -> None:
    starving = demand("starving", 0, 30.0, compare_and_swap=True)
    early = demand("early", 200, 1.0, compare_and_swap=True)
    blind = demand("blind", 200, 1.0, rate_settled=True)
    settled = demand("settled", 200, 1.0, compare_and_swap=True, rate_settled=True)
    result = planned([starving, early, blind, settled], {"US": 0}, 0)
    assert set(result.displays) == {"settled"}
    assert result.displays["settled"] < 200


@given(
    st.lists(
        st.tuples(
            st.integers(0, 300),
            st.floats(0.0, 80.0),
            st.booleans(),
            st.sampled_from(["US", "EU"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, 400),
    st.integers(0, 400),
    st.integers(0, 200),
)
def test_a_plan_never_asks_for_more_units_than_are_free(
    channels: list[tuple[int, float, bool, str, bool]], us: int, eu: int, elastic: int
) -> None:
    demands = [
        demand(f"c{index}", display, rate, compare_and_swap=cas, region=region, pending=pending)
        for index, (display, rate, cas, region, pending) in enumerate(channels)
    ]
    result = planned(demands, {"US": us, "EU": eu}, elastic)
    by_name = {item.channel: item for item in demands}
    raised = {
        name: value for name, value in result.displays.items() if value > by_name[name].display
    }
    assert all(not by_name[name].pending for name in result.displays)
    assert sum(by_name[name].cost(value) for name, value in raised.items()) <= us + eu + elastic
    for region, free in (("US", us), ("EU", eu)):
        assert result.to_elastic.get(region, 0) <= free


def test_the_forecast_steadies_the_first_sales_and_fades_as_sales_come_in() -> None:
    settings = SyncSettings(forecast_weight_seconds=2.0)
    assert sales_rate(0, 0.0, 20.0, settings) == 20.0
    assert sales_rate(2, 0.5, 20.0, settings) == (40 + 2) / 2.5
    assert abs(sales_rate(90, 3.0, 20.0, settings) - (40 + 90) / 5.0) < 1e-9
    assert sales_rate(6, 3.0, None, settings) == 2.0
