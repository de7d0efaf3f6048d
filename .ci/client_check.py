"""Generate a Python client from openapi/openapi.json and fail when it leaks internals.

A generated name containing Annotated, Union or FieldInfo is pydantic's spelling of a type, not
a name a client should carry; a schema named with its module path (`app__events__schemas__…`)
means two models share one name; two enums with the same values are one concept written twice.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi" / "openapi.json"
LEAKS = ("annotated", "union", "fieldinfo")


def generate(into: Path, document: Path) -> Path:
    """Run openapi-python-client; returns the generated package's folder."""
    output = into / "client"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(output),
        ],
        check=True,
        cwd=into,
        capture_output=True,
        text=True,
    )
    return output


def enum_values(source: str) -> dict[str, frozenset[str]]:
    """Each Enum class of a module with the set of its values."""
    found: dict[str, frozenset[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(getattr(base, "id", "").endswith("Enum") for base in node.bases):
            continue
        values = {
            statement.value.value
            for statement in node.body
            if isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        }
        found[node.name] = frozenset(values)
    return found


def problems(package: Path) -> list[str]:
    """What is wrong with the generated client (nothing when it is clean)."""
    found = []
    enums: dict[frozenset[str], list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if any(leak in path.stem.lower() for leak in LEAKS):
            found.append(f"generated module name leaks a type: {path.relative_to(package)}")
        source = path.read_text("utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(leak in node.name.lower() for leak in LEAKS):
                found.append(f"generated class name leaks a type: {node.name}")
        for name, values in enum_values(source).items():
            if len(values) > 1:  # one-value enums are discriminators, not concepts
                enums.setdefault(values, []).append(name)
    for values, names in enums.items():
        if len(names) > 1:
            found.append(
                f"one enum generated {len(names)} times: {sorted(names)} = {sorted(values)}"
            )
    return found


def clashing_names(document: Path) -> list[str]:
    """Schemas FastAPI had to name by module path: two models with one name."""
    schemas = json.loads(document.read_text("utf-8")).get("components", {}).get("schemas", {})
    return [f"two models share a name: {name}" for name in sorted(schemas) if "__" in name]


def main() -> int:
    document = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENT
    with tempfile.TemporaryDirectory() as folder:
        # With --meta none, the generated folder is the package itself.
        package = generate(Path(folder), document.resolve())
        models = len(list((package / "models").glob("*.py")))
        found = clashing_names(document) + problems(package)
    for problem in found:
        print(problem)
    if found:
        return 1
    print(f"generated client is clean ({models} model modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
