"""Endpoint resolution of the consumer's clients: with no endpoint_url, botocore's own resolution (AWS's
account-based DynamoDB endpoints included) and nothing of shardline's local defaults; with one, those defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import NoCredentialsError, NoRegionError

from shardline.consumer.stream_consumer import build_client

ACCOUNT = "123456789012"


class Sent(Exception):
    """Raised in place of sending a request, carrying where it would have gone."""

    def __init__(self, url: str, authorization: str) -> None:
        super().__init__(url)
        self.url = url
        self.authorization = authorization


def first_request(client: Any) -> Sent:
    def intercept(request: Any, **_: Any) -> None:
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode("latin-1")
        raise Sent(request.url, authorization)

    client.meta.events.register("before-send", intercept)
    with pytest.raises(Sent) as sent:
        if client.meta.service_model.service_name == "dynamodb":
            client.describe_table(TableName="Orders")
        else:
            client.list_streams()
    return sent.value


@pytest.fixture
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A machine with no AWS configuration at all: no files, no variables, no instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID",
                 "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_ACCOUNT_ID_ENDPOINT_MODE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def test_without_an_endpoint_dynamodb_uses_the_account_based_endpoint(no_aws_configuration: pytest.MonkeyPatch) -> None:
    no_aws_configuration.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    no_aws_configuration.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    no_aws_configuration.setenv("AWS_ACCOUNT_ID", ACCOUNT)
    sent = first_request(build_client("dynamodb", None, "eu-west-1"))
    assert sent.url == f"https://{ACCOUNT}.ddb.eu-west-1.amazonaws.com/"
    assert "Credential=AKIDEXAMPLE/" in sent.authorization


@pytest.mark.parametrize("service", ["dynamodb", "dynamodbstreams"])
@pytest.mark.parametrize("account_mode", ["preferred", "disabled"])
def test_without_an_endpoint_the_clients_go_where_botocore_sends_them(
    no_aws_configuration: pytest.MonkeyPatch, service: str, account_mode: str
) -> None:
    no_aws_configuration.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    no_aws_configuration.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    no_aws_configuration.setenv("AWS_ACCOUNT_ID", ACCOUNT)
    no_aws_configuration.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", account_mode)
    plain = botocore.session.get_session().create_client(service, region_name="ap-southeast-2")
    ours = first_request(build_client(service, None, "ap-southeast-2"))
    assert ours.url == first_request(plain).url
    assert ours.url.startswith("https://") and ours.url.endswith(".ap-southeast-2.amazonaws.com/")
    if account_mode == "disabled":
        assert ACCOUNT not in ours.url


def test_without_an_endpoint_no_local_region_or_credentials_are_made_up(
    no_aws_configuration: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(NoRegionError):
        first_request(build_client("dynamodb", None, None))
    with pytest.raises(NoCredentialsError):
        first_request(build_client("dynamodbstreams", None, "us-east-1"))


def test_a_local_endpoint_gets_a_region_and_placeholder_credentials(no_aws_configuration: pytest.MonkeyPatch) -> None:
    sent = first_request(build_client("dynamodb", "http://127.0.0.1:8000", None))
    assert sent.url == "http://127.0.0.1:8000/"
    assert "/us-east-1/dynamodb/aws4_request" in sent.authorization
