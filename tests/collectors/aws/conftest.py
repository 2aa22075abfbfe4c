"""One moto server for the AWS collector tests; each module starts from an empty, freshly seeded account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.collectors.aws.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = MotoServer()
    try:
        yield server
    finally:
        server.stop()
