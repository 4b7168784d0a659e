"""The repository's Terraform tree, parsed once: root files, the module's files, and
the calls of modules/worker_function (one per function)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..cache import cache_root
from ..package.discover import FLAT_PREFIX
from ..project import Project
from .parse import TfFile, blocks, locals_of, parse_files, resources
from .render import MODULE_DIR, MODULE_SOURCE


@dataclass
class ModuleCall:
    file: TfFile
    label: str
    args: dict
    line: int | None

    def line_of(self, key: str) -> int | None:
        return self.file.line_of_argument(self.line, key)


@dataclass(frozen=True)
class Tree:
    root_files: tuple[TfFile, ...]  # terraform/*.tf that parse
    module_files: tuple[TfFile, ...]  # terraform/modules/worker_function/*.tf that parse
    unparsed: tuple[TfFile, ...]  # files that do not parse, with their error
    missing: bool = False  # no terraform/ at all

    def calls(self) -> list[ModuleCall]:
        """Every call of modules/worker_function in the root files."""
        return [ModuleCall(tf, label, body, tf.line_of_block("module", label))
                for tf in self.root_files for label, body in blocks(tf.data, "module")
                if body.get("source") == MODULE_SOURCE]

    def addresses(self, rel: str) -> list[str] | None:
        """What `terraform plan -target` takes for everything a root file declares: its module
        calls and resources (data sources are read by whatever uses them); None when the
        file does not parse."""
        found = next((tf for tf in self.root_files if tf.rel == rel), None)
        if found is None:
            return None
        return sorted([f"module.{label}" for label, _ in blocks(found.data, "module")]
                      + [f"{rtype}.{name}" for rtype, name, _ in resources(found.data)])

    def declarations(self, rel: str) -> set[str] | None:
        """Every name another file could refer to, or declare again (which Terraform refuses),
        that a root file declares, as references start (see `references`): `module.L`,
        `TYPE.NAME`, `data.TYPE.NAME`, `local.K`, `var.V`, `output.O`, `check.C`, a provider's
        `NAME.ALIAS` (`provider.NAME` without an alias), and the addresses its moved, import
        and removed blocks name (two files moving the same address conflict); None when the
        file does not parse."""
        found = next((tf for tf in self.root_files if tf.rel == rel), None)
        if found is None:
            return None
        data = found.data
        names = set(self.addresses(rel) or ())
        names |= {f"data.{kind}.{name}" for entry in data.get("data", []) for kind, named in entry.items()
                  for name in named}
        names |= {f"local.{key}" for key in locals_of(data)}
        for kind, prefix in (("variable", "var"), ("output", "output"), ("check", "check")):
            names |= {f"{prefix}.{name}" for name, _ in blocks(data, kind)}
        # A provider by its alias (what references name), or by its name alone (two unaliased
        # configurations of one provider are a duplicate).
        names |= {f"{name}.{body['alias']}" if isinstance(body, dict) and isinstance(body.get("alias"), str)
                  else f"provider.{name}" for name, body in blocks(data, "provider")}
        for kind in ("moved", "import", "removed"):
            for body in data.get(kind, []):
                for key in ("from", "to"):
                    if isinstance(body.get(key), str):
                        names |= references(body[key])
        return names

    def local_values(self) -> dict:
        values: dict = {}
        for tf in self.root_files:
            values.update(locals_of(tf.data))
        return values


def parse_tree(project: Project, pool=None) -> Tree:
    """Parse terraform/*.tf and the module; results are cached per repository by content."""
    tf_dir = project.terraform_dir
    if not tf_dir.is_dir():
        return Tree((), (), (), missing=True)
    root_paths = sorted(tf_dir.glob("*.tf"))
    module_paths = sorted((tf_dir / MODULE_DIR).glob("*.tf"))
    cache_file = cache_root() / "hcl" / (hashlib.sha256(str(project.root).encode()).hexdigest()[:16] + ".json")
    parsed = parse_files(project.root, root_paths + module_paths, cache_file, pool)
    root, module = parsed[: len(root_paths)], parsed[len(root_paths):]
    return Tree(tuple(tf for tf in root if tf.data is not None), tuple(tf for tf in module if tf.data is not None),
                tuple(tf for tf in parsed if tf.data is None))


def module_path(project: Project, value) -> Path | None:
    """A `${path.module}`-relative path of the root as a real path, or None for an expression."""
    if not isinstance(value, str) or "${" in value.replace("${path.module}", ""):
        return None
    return (project.terraform_dir / value.replace("${path.module}/", "").replace("${path.module}", ".")).resolve()



# `kind.name`, and a third part for `data.TYPE.NAME`; HCL allows spaces around the dots.
_REFERENCE = re.compile(r"(?<![\w.])([A-Za-z_][\w-]*)\s*\.\s*([A-Za-z_][\w-]*)(?:\s*\.\s*([A-Za-z_][\w-]*))?")
# Files whose blocks override other files' blocks of the same name (Terraform's override files).
_OVERRIDE = re.compile(r"(^|_)override\.tf(\.json)?$")


def references(text: str) -> set[str]:
    """Every `kind.name` a .tf file's text mentions, as an address would start
    (`module.lambda_b` of `module.lambda_b.version`, `aws_sqs_queue.jobs` of its `.arn`,
    `data.TYPE.NAME` of a data source's attribute)."""
    return {f"data.{second}.{third}" if first == "data" and third else f"{first}.{second}"
            for first, second, third in _REFERENCE.findall(text)}


def link_inputs(project: Project, tree: Tree) -> dict[str, tuple[set[str] | None, str]]:
    """What file_links reads: per root file, what it declares (None for a shared file, one
    that is no function's `lambda_*.tf`) and its text; `.tf.json` files, which are not
    parsed, are shared files whose text is read for references."""
    files = {tf.rel: (tree.declarations(tf.rel) if _function_file(Path(tf.rel).name) else None, tf.text)
             for tf in tree.root_files}
    for path in sorted(project.terraform_dir.glob("*.tf.json")):
        files[project.rel(path)] = (None, path.read_text(errors="replace"))
    return files


def _function_file(name: str) -> bool:
    return name.startswith(FLAT_PREFIX) and name.endswith(".tf")


def related_files(planned: set[str], files: dict[str, tuple[set[str] | None, str]]) -> set[str] | None:
    """The function files planned with `planned`: every file that refers to what one of them
    declares, and every file one of them refers to, transitively (a .tf reading another's
    `module.lambda_b.version` or `local.prefix` changes with it, and cannot plan without
    it). `files`: per root file, what it declares (None for a shared file) and its text.
    None when a shared file refers to what a function file declares: then everything is."""
    links = file_links(files)
    return None if links is None else linked_closure(planned, links)


def file_links(files: dict[str, tuple[set[str] | None, str]]) -> dict[str, set[str]] | None:
    """Per function file, the function files it must be planned with directly (see
    related_files, which follows them transitively); None when a shared file refers to what
    a function file declares or overrides it (Terraform's override files). Built once: a
    caller asking about every file (validate's groups) would otherwise read every file's text
    once per file, 3 s at 500 functions."""
    declared = {rel: names for rel, (names, _) in files.items() if names is not None}
    owners: dict[str, set[str]] = {}
    for rel, names in declared.items():
        for name in names:
            owners.setdefault(name, set()).add(rel)
    refs = {rel: references(text) for rel, (_, text) in files.items()}
    for rel, (names, text) in files.items():
        if names is None and _OVERRIDE.search(Path(rel).name):
            overridden = _overridden(rel, text)
            if overridden is None:
                return None
            refs[rel] |= overridden  # an override of a function's block needs that block beside it
    for rel, (names, _) in files.items():
        if names is None and not refs[rel].isdisjoint(owners):
            return None
    linked: dict[str, set[str]] = {rel: set() for rel in declared}
    for rel in declared:
        # What it refers to, and what declares the same name (a duplicate Terraform must see).
        for other in {o for name in (refs[rel] | declared[rel]) & owners.keys() for o in owners[name]} - {rel}:
            linked[rel].add(other)
            linked[other].add(rel)
    return linked


_LABEL = r'(?:"([^"]+)"|([A-Za-z_][\w-]*))'  # HCL takes a block's labels quoted or bare
_OVERRIDES = re.compile(rf"^[ \t]*(module|variable|output|check|resource|data)[ \t]+{_LABEL}(?:[ \t]+{_LABEL})?",
                        re.MULTILINE)
_HARD_TO_NAME = re.compile(r"^[ \t]*(locals|provider)\b", re.MULTILINE)


def _overridden(rel: str, text: str) -> set[str] | None:
    """What an override file's blocks override, named as declarations are (`module.L`,
    `TYPE.NAME`, `data.TYPE.NAME`, `var.V`, ...); None when that cannot be told from its text
    (a JSON override file, or locals and providers, whose names are inside the block): then
    everything plans together. A backend override names nothing a function declares."""
    if rel.endswith(".json") or _HARD_TO_NAME.search(text):
        return None
    prefixes = {"module": "module", "variable": "var", "output": "output", "check": "check"}
    named = [(kind, quoted or bare, quoted_2 or bare_2) for kind, quoted, bare, quoted_2, bare_2
             in _OVERRIDES.findall(text)]
    return {f"{prefixes[kind]}.{first}" if kind in prefixes else
            f"data.{first}.{second}" if kind == "data" else f"{first}.{second}"
            for kind, first, second in named}


def linked_closure(planned: set[str], links: dict[str, set[str]]) -> set[str]:
    """`planned` and every file linked to one of them, transitively."""
    found, queue = set(planned), list(planned)
    while queue:
        for other in links.get(queue.pop(), ()):
            if other not in found:
                found.add(other)
                queue.append(other)
    return found
