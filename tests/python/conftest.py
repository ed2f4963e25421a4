"""Fixtures for the Python module's tests: a demo database with a trained, active model,
made once per test session by the `paddock` program of this build, and a fresh copy per test."""
import os
import shutil
import subprocess

import pytest

PADDOCK = os.environ.get("PADDOCK_BINARY", "paddock")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo")
    db = directory / "demo.db"
    subprocess.run([PADDOCK, "demo", "--db", str(db), "--races", "3000", "--seed", "7", "--days-ahead", "2"],
                   check=True, capture_output=True)
    subprocess.run([PADDOCK, "train", "--db", str(db), "--trees", "40", "--depth", "4", "--learning-rate", "0.1",
                    "--out", str(directory / "model"), "--name", "test-model"], check=True, capture_output=True)
    return db


@pytest.fixture
def demo_db(demo_template, tmp_path):
    db = tmp_path / "demo.db"
    shutil.copy(demo_template, db)
    return str(db)
