"""The batch commands skip pydantic's plugin scan (compiler/pydanticplugins.py) and still validate as
pydantic does; with plugins enabled, pydantic's own loader answers."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from helpers import EXAMPLES

from dativo.targets.kubernetes import settings as k8s


def _python(code: str, **env: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_a_compile_never_imports_importlib_metadata() -> None:
    code = f"""
import sys
from dativo.compiler import cli
code = cli.main(["compile", {str(EXAMPLES)!r}, "--check", "--no-cache"])
print(code, "importlib.metadata" in sys.modules, "email.parser" in sys.modules)
"""
    assert _python(code, PATH="/usr/bin:/bin").splitlines()[-1] == "0 False False"


def test_with_plugins_enabled_pydantics_own_loader_answers() -> None:
    code = """
import sys
from dativo.compiler import pydanticplugins
pydanticplugins.skip_scan()
import pydantic
class Model(pydantic.BaseModel):
    x: int
loader = sys.modules[pydanticplugins.NAME]
print(Model(x=1).x, "importlib.metadata" in sys.modules, loader.PYDANTIC_ENTRY_POINT_GROUP)
"""
    assert _python(code) == "1 True pydantic"  # scanned: no PYDANTIC_DISABLE_PLUGINS here
    # none scanned for; another name asked for: pydantic's own loader gives it
    assert _python(code, PYDANTIC_DISABLE_PLUGINS="__all__") == "1 False pydantic"


def test_the_stand_in_finds_no_plugins_where_all_are_disabled() -> None:
    code = """
import sys
from dativo.compiler import pydanticplugins
pydanticplugins.skip_scan()
import pydantic
class Model(pydantic.BaseModel):
    x: int
print(Model(x=2).x, "importlib.metadata" in sys.modules)
"""
    assert _python(code, PYDANTIC_DISABLE_PLUGINS="__all__") == "2 False"


def test_the_default_image_is_tagged_with_the_installed_version() -> None:
    assert k8s._version() == metadata.version("dativo")
    assert k8s.DEFAULT_IMAGE == f"dativo:{metadata.version('dativo')}"
