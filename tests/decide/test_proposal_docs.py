"""D-6 proposal flow (approve / edit / reject / undo before sending) and the seller docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from buzzstock.core.errors import Conflict, InvalidInput
from buzzstock.decide.matrix import Route, TrendSignal, route_decision
from buzzstock.decide.proposal import (
    ProposalAction,
    ProposalStatus,
    apply_action,
    new_proposal,
)
from buzzstock.decide.settings import DecideSettings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "decide.md"


def test_d6_auto_executed_order_starts_scheduled_and_can_be_undone_before_sending() -> None:
    decision = route_decision(TrendSignal(175, 0.9, True), order_cash=1_500)
    proposal = new_proposal("P-1", decision.route, decision.reasons, quantity=150)
    assert proposal.status is ProposalStatus.SCHEDULED
    undone = apply_action(proposal, ProposalAction.UNDO, note="supplier changed terms")
    assert undone.status is ProposalStatus.UNDONE
    assert str(undone.reasons[-1]) == "D-6: undo by a person: supplier changed terms"


def test_sent_proposal_cannot_be_undone() -> None:
    decision = route_decision(TrendSignal(175, 0.9, True), order_cash=1_500)
    sent = apply_action(
        new_proposal("P-2", decision.route, decision.reasons, quantity=150), ProposalAction.SEND
    )
    assert sent.status is ProposalStatus.SENT
    with pytest.raises(Conflict, match="cannot undo proposal P-2: it is sent"):
        apply_action(sent, ProposalAction.UNDO)


def test_review_proposal_is_edited_then_approved() -> None:
    decision = route_decision(TrendSignal(230, 0.6, True), order_cash=9_000)
    proposal = new_proposal("P-3", decision.route, decision.reasons, quantity=400)
    assert proposal.status is ProposalStatus.PROPOSED
    with pytest.raises(Conflict):
        apply_action(proposal, ProposalAction.SEND)
    edited = apply_action(proposal, ProposalAction.EDIT, quantity=200)
    assert (edited.status, edited.quantity) == (ProposalStatus.PROPOSED, 200)
    assert "quantity 400 -> 200" in edited.reasons[-1].text
    assert apply_action(edited, ProposalAction.APPROVE).status is ProposalStatus.APPROVED
    with pytest.raises(InvalidInput):
        apply_action(proposal, ProposalAction.EDIT)


def test_emergency_stop_pauses_and_a_person_resumes_or_rejects() -> None:
    decision = route_decision(TrendSignal(175, 0.9, True), order_cash=1_500)
    paused = apply_action(
        new_proposal("P-4", decision.route, decision.reasons, quantity=150), ProposalAction.PAUSE
    )
    assert paused.status is ProposalStatus.PAUSED
    with pytest.raises(Conflict):
        apply_action(paused, ProposalAction.SEND)
    assert apply_action(paused, ProposalAction.RESUME).status is ProposalStatus.PROPOSED
    assert apply_action(paused, ProposalAction.REJECT).status is ProposalStatus.REJECTED


def test_a_proposal_needs_an_explanation_and_a_route_that_proposes() -> None:
    with pytest.raises(InvalidInput, match="explanation"):
        new_proposal("P-5", Route.HUMAN_REVIEW, ())
    watch = route_decision(TrendSignal(120, 0.9, True), 100)
    with pytest.raises(InvalidInput):
        new_proposal("P-6", watch.route, watch.reasons)
    with pytest.raises(InvalidInput):
        new_proposal("P-7", Route.EMERGENCY_STOP, watch.reasons)


def test_docs_explain_every_setting_and_rule() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in DecideSettings.model_fields:
        assert f"`{name}`" in text, name
    for rule in range(1, 11):
        assert f"### D-{rule} " in text, rule
