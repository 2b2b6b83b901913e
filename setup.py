"""Puts templates/, static/ and checkpoints/ into the wheel as server/share/ (pyproject.toml holds everything else).

They sit at the top of the repository, beside the packages rather than inside one, so setuptools' package data
cannot name them; an installed genlab has no checkout around it, so the server finds them in server/share/
(server/config.py's REPO_ROOT). An editable install keeps reading them from the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHARED = ("templates", "static", "checkpoints")


class BuildWithShare(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        share = Path(self.build_lib) / "server" / "share"
        shutil.rmtree(share, ignore_errors=True)  # a file deleted from the checkout leaves no stale copy behind
        for name in SHARED:
            shutil.copytree(name, share / name)


setup(cmdclass={"build_py": BuildWithShare})
