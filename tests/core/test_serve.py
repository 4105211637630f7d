"""The venue server's limits (core/serve.py): the open-file limit fits MAX_CONNECTIONS where it can."""

import resource

import pytest

from core.config import load_config, per_address_cap
from core.connlimits import VenueLimits
from core.serve import SPARE_DESCRIPTORS, open_file_target


def test_a_soft_limit_of_1024_is_raised_for_every_connection_plus_spare():
    assert open_file_target(10_000, 1024, 1_048_576) == 10_000 + SPARE_DESCRIPTORS


def test_the_hard_limit_caps_the_raise_and_a_higher_soft_limit_is_kept():
    assert open_file_target(10_000, 1024, 4096) == 4096
    assert open_file_target(10_000, 50_000, 100_000) == 50_000
    assert open_file_target(10_000, 1024, resource.RLIM_INFINITY) == 10_000 + SPARE_DESCRIPTORS


def test_the_per_address_cap_counts_connections_and_spares_trusted_proxies():
    limits = VenueLimits(per_address=2, trusted=("127.0.0.1", "10.0.0.0/8"))
    assert [limits.enter("192.168.1.5") for _ in range(3)] == [True, True, False]
    limits.leave("192.168.1.5")
    assert limits.enter("192.168.1.5") and not limits.enter("192.168.1.5")
    assert limits.enter("192.168.1.6")  # another address is counted apart
    assert all(limits.enter(address) for address in ["127.0.0.1", "10.1.2.3"] * 5)
    assert "127.0.0.1" not in limits.open_by_address


def test_the_header_deadline_is_the_idle_timeout_after_the_first_request():
    limits = VenueLimits(header_timeout_s=10, idle_timeout_s=30)
    assert limits.deadline(0) == 10 and limits.deadline(1) == 30 and limits.deadline(7) == 30


def test_the_per_address_cap_stays_below_max_connections():
    assert per_address_cap("", 10_000) == 2000 and per_address_cap("", 1000) == 500
    assert per_address_cap("300", 1000) == 300
    for bad in ("1000", "0", "many"):
        with pytest.raises(ValueError):
            per_address_cap(bad, 1000)
    settings = load_config({"HEADER_TIMEOUT_S": "2.5", "IDLE_TIMEOUT_S": "5"}, "/tmp")
    assert settings["HEADER_TIMEOUT_S"] == 2.5 and settings["IDLE_TIMEOUT_S"] == 5
    with pytest.raises(ValueError):
        load_config({"HEADER_TIMEOUT_S": "0"}, "/tmp")
