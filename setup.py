"""Build hook: ship the default model and configs inside the package of a non-editable install.

The repository keeps ``models/default/`` and ``configs/`` at its top level (one copy in git). A wheel (``pip install
.``) gets copies of them under ``pipeline/data/``, where :func:`pipeline.config.bundled_path` finds them. Editable
installs use the repository's folders directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Every file of these folders is copied (whatever files the model format holds).
BUNDLED = ("models/default", "configs")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the bundled model and configs into ``pipeline/data/``."""

    def run(self):
        """Build the package, then copy the bundled files (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in BUNDLED:
            src = ROOT / folder
            if not src.is_dir() or not any(src.iterdir()):
                raise FileNotFoundError(f"{src}: needed in the package; build from a full checkout")
            target = Path(self.build_lib) / "pipeline" / "data" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(src, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})
