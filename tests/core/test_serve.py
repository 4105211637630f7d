"""The venue server's limits (core/serve.py): the open-file limit fits MAX_CONNECTIONS where it can."""

import resource

from core.serve import SPARE_DESCRIPTORS, open_file_target


def test_a_soft_limit_of_1024_is_raised_for_every_connection_plus_spare():
    assert open_file_target(10_000, 1024, 1_048_576) == 10_000 + SPARE_DESCRIPTORS


def test_the_hard_limit_caps_the_raise_and_a_higher_soft_limit_is_kept():
    assert open_file_target(10_000, 1024, 4096) == 4096
    assert open_file_target(10_000, 50_000, 100_000) == 50_000
    assert open_file_target(10_000, 1024, resource.RLIM_INFINITY) == 10_000 + SPARE_DESCRIPTORS
