"""TransactWriteItems: 1..100 ConditionCheck, Put, Update and Delete actions across tables, all applied in
one storage transaction or none at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.operations.context import OperationContext
from shardline.operations.transactions.actions import WriteAction, parse_action
from shardline.operations.transactions.idempotency import TOKEN_PARAMETER, request_fingerprint, tokens_for
from shardline.operations.transactions.write_plan import Outcome, check_aggregate_size, write

NAME = "TransactWriteItems"


@dataclass(frozen=True)
class Request:
    actions: tuple[WriteAction, ...]
    return_consumed_capacity: str | None
    return_collection_metrics: str | None
    token: str | None


def parse(body: Mapping[str, Any]) -> Request:
    """Every action is checked, in request order, before the transaction starts; so is the Puts' total
    size (Updates, Deletes and ConditionChecks add theirs inside the transaction)."""
    actions = tuple(parse_action(entry) for entry in body["TransactItems"])
    check_aggregate_size(action.item_size or 0 for action in actions)
    return Request(
        actions=actions,
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
        return_collection_metrics=body.get("ReturnItemCollectionMetrics"),
        token=body.get(TOKEN_PARAMETER),
    )


def respond(request: Request, outcome: Outcome) -> dict[str, Any]:
    response: dict[str, Any] = {}
    outcome.tally.add_to(response, request.return_consumed_capacity)
    if outcome.metrics:
        response["ItemCollectionMetrics"] = outcome.metrics
    return response


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    if request.token is None:
        return await _execute(ctx, request)
    tokens = tokens_for(ctx.storage)
    replayed = tokens.begin(request.token, request_fingerprint(body), ctx.clock.now())
    if replayed is not None:
        return replayed
    try:
        response = await _execute(ctx, request)
    except BaseException:
        tokens.abandon(request.token)
        raise
    tokens.complete(request.token, response, ctx.clock.now())
    return response


async def _execute(ctx: OperationContext, request: Request) -> dict[str, Any]:
    now = ctx.clock.now()
    outcome = await ctx.storage.write(lambda view: write(view, request.actions, now, request.return_collection_metrics))
    return respond(request, outcome)
