"""Shared fixtures: a real mongod on a free 127.0.0.1 port with a temporary dbpath."""

from __future__ import annotations

import os
import uuid

import pymongo
import pytest

from healthcrawl.storage.mongod import MongodServer, free_port

os.environ.setdefault("HEALTHCRAWL_LOG_LEVEL", "INFO")


@pytest.fixture(scope="session")
def mongod(tmp_path_factory):
    """One mongod for the test session (started here, stopped here)."""
    server = MongodServer(tmp_path_factory.mktemp("mongo"), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def mongo_db_name() -> str:
    """A fresh database name per test, so tests never see each other's documents."""
    return f"hc_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mongo_db(mongod, mongo_db_name):
    client = pymongo.MongoClient(mongod.uri, tz_aware=True)
    yield client[mongo_db_name]
    client.drop_database(mongo_db_name)
    client.close()
