"""Default slots and torch threads follow the CPUs a container may use, read from fake cgroup files."""

import os

import pytest

from server.config import Settings, available_cpus


@pytest.fixture
def eight_cores(monkeypatch):
    """An affinity mask of 8 CPUs, whatever this machine has."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


@pytest.mark.parametrize(("cpu_max", "expected"), [("200000 100000", 2), ("150000 100000", 1), ("50000 100000", 1),
                                                   ("max 100000", 8), ("1600000 100000", 8)])
def test_cgroup_v2_quota_caps_the_affinity_mask(tmp_path, eight_cores, cpu_max, expected):
    (tmp_path / "cpu.max").write_text(f"{cpu_max}\n")
    assert available_cpus(tmp_path) == expected


@pytest.mark.parametrize(("quota", "period", "expected"), [(300000, 100000, 3), (-1, 100000, 8)])
def test_cgroup_v1_quota_caps_the_affinity_mask(tmp_path, eight_cores, quota, period, expected):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text(f"{period}\n")
    assert available_cpus(tmp_path) == expected


def test_no_cgroup_files_or_garbage_leave_the_affinity_mask(tmp_path, eight_cores):
    assert available_cpus(tmp_path) == 8
    (tmp_path / "cpu.max").write_text("nonsense")
    assert available_cpus(tmp_path) == 8


def test_affinity_narrower_than_the_host_wins(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert available_cpus(tmp_path) == 1


def test_settings_defaults_use_the_quota(tmp_path, eight_cores, monkeypatch):
    (tmp_path / "cpu.max").write_text("300000 100000")
    monkeypatch.setattr("server.config.CGROUP", tmp_path)
    settings = Settings()
    assert settings.torch_threads == settings.inference_slots == settings.light_slots == 3


def test_a_big_host_stays_within_the_slot_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(128)), raising=False)
    monkeypatch.setattr("server.config.CGROUP", tmp_path)
    assert Settings().inference_slots == 64 and Settings().torch_threads == 128
