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
BUNDLED = {"models/default": ("config.cfg", "meta.json", "model.joblib"), "configs": ("default.cfg", "markers.txt")}


class BuildPyWithData(build_py):
    """``build_py`` that also copies the bundled model and configs into ``pipeline/data/``."""

    def run(self):
        """Build the package, then copy the bundled files (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, names in BUNDLED.items():
            target = Path(self.build_lib) / "pipeline" / "data" / folder
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                src = ROOT / folder / name
                if not src.is_file():
                    raise FileNotFoundError(f"{src}: needed in the package; build from a full checkout")
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildPyWithData})
