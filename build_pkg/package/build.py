"""`build`: functions/ + the locked dependencies -> terraform/dists.zip and its manifest;
with the dependency layer, the dependencies go to terraform/layer.zip instead."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass

from .. import __version__
from ..cache import cache_root, exclusive
from ..errors import BuildPkgError, SourceError
from ..fsutil import atomic_write, file_sha256
from ..progress import Reporter
from ..versions import builder_digest
from ..project import Project
from . import deps, layer as dependency_layer, limits, zipwriter
from .closure import closures
from .discover import Function, check_handler, discover
from .inputs import Inputs
from .sources import walk_functions

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class BuildOptions:
    handler: str = "handler"
    force: bool = False
    layer: bool | None = None  # None: the project's setting (terraform/main.tf)


@dataclass(frozen=True)
class BuildResult:
    manifest: dict
    up_to_date: bool  # nothing changed: the zip was left as it was
    warnings: tuple[str, ...]


def source_date_epoch() -> int | None:
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BuildPkgError(f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds; fix or unset it") from None


def build(inputs: Inputs, options: BuildOptions, report: Reporter,
          functions: list[Function] | None = None) -> BuildResult:
    """Build the package from `inputs`; `functions`, when a caller already found
    them, are not discovered again (their handlers are still checked).

    One build of a repository at a time: two at once could otherwise leave the
    zip of one beside the manifest of the other.
    """
    project = inputs.project
    name = "build-" + hashlib.sha256(str(project.root.resolve()).encode()).hexdigest()[:16]
    with exclusive(name, lambda: report.step(f"waiting for another build of {project.root} to finish")):
        return _build(inputs, options, report, functions)


def _build(inputs: Inputs, options: BuildOptions, report: Reporter, functions: list[Function] | None) -> BuildResult:
    project, target, lock = inputs.project, inputs.target, inputs.fresh_lock()
    packages = list(inputs.packages)
    for warning in inputs.warnings:
        report.warn(warning)

    if functions is None:
        functions = discover(project.root, project.functions_dir, options.handler)
    else:
        for function in functions:
            check_handler(project.root / function.source, function.source, options.handler)
    report.step(f"functions: {len(functions)} found ({', '.join(f.name for f in functions[:6])}"
                f"{', ...' if len(functions) > 6 else ''})")
    walk = walk_functions(project.functions_dir, project.root)
    for secret in walk.secrets:
        report.warn(f"{secret} looks like a secret and was left out of the package; keep secrets in SSM or Secrets Manager")
    sources = [(f, f.path.read_bytes()) for f in walk.files]

    stamp = zipwriter.dos_timestamp(source_date_epoch())
    use_layer = dependency_layer.setting(project) if options.layer is None else options.layer
    keys = deps.cache_keys(packages, target)
    inputs_digest = _inputs_digest(keys.set, functions, sources, stamp, use_layer)
    if not options.force and _is_current(project, inputs_digest):
        manifest = json.loads(project.manifest_path.read_text())
        report.step(f"{project.rel(project.package_path)} is up to date")
        return BuildResult(manifest, True, tuple(report.warnings))

    dependencies = deps.ensure(lock, packages, target, keys, report)
    _check_shadowing(dependencies, [f.arcname for f, _ in sources], use_layer)
    code = [zipwriter.pack(f.arcname, data, f.mode, stamp) for f, data in sources]
    layer, layer_sizes = None, None
    if use_layer:
        layer_entries = dependencies.entries(dependency_layer.STAMP, dependency_layer.PREFIX)
        layer = _zip(layer_entries)
        layer_sizes = limits.measure(((m.name.removeprefix(dependency_layer.PREFIX), m.size)
                                      for m, _, _ in layer_entries), len(layer))
    else:
        code += dependencies.entries(stamp)
    code.sort(key=lambda entry: entry[0].name)
    data = _zip(code)
    sizes = limits.measure(((m.name, m.size) for m, _, _ in code), len(data))
    shown = project.rel(project.package_path)
    if layer is None:
        warnings = limits.check(sizes, shown)
    else:
        warnings = limits.check_with_layer(sizes, shown, layer_sizes, project.rel(project.layer_path))
    for warning in warnings:
        report.warn(warning)

    closure_cache = cache_root() / "closure" / (hashlib.sha256(str(project.root).encode()).hexdigest()[:16] + ".json")
    hashes = function_hashes(functions, sources, dependencies.key, target, closure_cache, report)
    manifest = _manifest(project, target, lock.pipfile_hash, functions, dependencies, sizes, data, inputs_digest, stamp, hashes)
    manifest["layer"] = _layer_manifest(project, layer, layer_sizes, dependencies.key) if layer is not None else None
    # The manifest goes last: until it is replaced, the old one names the old zips'
    # hashes, so a build killed half-way is rebuilt rather than trusted.
    if layer is not None:
        atomic_write(project.layer_path, layer)
    atomic_write(project.package_path, data)
    atomic_write(project.manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
    if layer is None:
        project.layer_path.unlink(missing_ok=True)  # a layer from an earlier build would mislead `size`
    report.step(f"wrote {shown} ({limits.mb(len(data))})"
                + (f" and {project.rel(project.layer_path)} ({limits.mb(len(layer))})" if layer is not None else ""))
    return BuildResult(manifest, False, tuple(report.warnings))


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    zipwriter.write(buffer, entries)
    return buffer.getvalue()


def _layer_manifest(project: Project, layer: bytes, sizes: limits.SizeReport, deps_key: str) -> dict:
    digest = hashlib.sha256(layer).digest()
    return {"package": project.layer_path.name, "filebase64sha256": base64.b64encode(digest).decode("ascii"),
            "sha256": digest.hex(), **sizes.as_dict(), "dependencies_key": deps_key}


def _inputs_digest(deps_key: str, functions: list[Function], sources, stamp, use_layer: bool) -> str:
    """Everything that decides the zips' bytes, so an unchanged tree is not rebuilt."""
    digest = hashlib.sha256()
    digest.update(json.dumps({
        "builder": builder_digest(), "deps": deps_key, "stamp": list(stamp), "layer": use_layer,
        "functions": [(f.name, f.handler, f.source) for f in functions],
    }, sort_keys=True).encode())
    for file, data in sources:
        digest.update(f"\0{file.arcname}\0{file.mode:o}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def function_hashes(functions: list[Function], sources, deps_key: str, target, cache_file, report: Reporter
                    ) -> dict[str, dict]:
    """Per function: its import closure's digest as Terraform's source_code_hash (base64) and hex.

    Over the closure's names, modes and bytes, the dependency set's key, runtime,
    architecture and handler: editing a function changes its hash alone; editing a
    worker_lib module, the hashes of exactly the functions that import it; a lock
    change, all of them.
    """
    by_arc = {file.arcname: (file, data) for file, data in sources}
    found = closures(functions, [(arc, data) for arc, (_, data) in by_arc.items()], cache_file)
    hashes = {}
    for function in functions:
        closure = found[function.name]
        if closure.dynamic:
            report.detail(f"{function.name}: depends on all of functions/ (a dynamic import it cannot follow: "
                          f"{closure.dynamic})")
        digest = hashlib.sha256(json.dumps({"deps": deps_key, "runtime": target.runtime, "arch": target.arch,
                                            "handler": function.handler}, sort_keys=True).encode())
        for arc in sorted(closure.files):
            file, data = by_arc[arc]
            digest.update(f"\0{arc}\0{file.mode:o}\0".encode() + hashlib.sha256(data).digest())
        raw = digest.digest()
        hashes[function.name] = {"source_code_hash": base64.b64encode(raw).decode("ascii"), "code_sha256": raw.hex(),
                                 "files": len(closure.files), "depends_on_everything": bool(closure.dynamic)}
    return hashes


def _is_current(project: Project, inputs: str) -> bool:
    try:
        manifest = json.loads(project.manifest_path.read_text())
        if manifest.get("inputs") != inputs or file_sha256(project.package_path) != manifest.get("sha256"):
            return False
        layer = manifest.get("layer")
        return layer is None or file_sha256(project.layer_path) == layer.get("sha256")
    except (OSError, ValueError, AttributeError):
        return False


def _check_shadowing(dependencies: deps.Dependencies, source_names: list[str], use_layer: bool) -> None:
    """A folder in functions/ named like a dependency would merge with it in the zip, or,
    with the layer, be in both and shadow the layer's copy (/var/task comes first)."""
    def module_root(arcname: str) -> str:
        return limits.top_level(arcname).removesuffix(".py")

    installed = {module_root(file.name) for file, _ in dependencies.files() if ".dist-info" not in file.name}
    for name in source_names:
        root = module_root(name)
        if root in installed:
            where = "the dependency layer and the code package" if use_layer else "the package"
            raise SourceError(
                f"functions/{limits.top_level(name)} has the same import name as the dependency "
                f"{root!r} from Pipfile.lock and would be in {where} twice; rename it"
            )


def _manifest(project, target, lock_hash, functions, dependencies, sizes, data, inputs_digest, stamp, hashes) -> dict:
    digest = hashlib.sha256(data).digest()
    top_levels = dependencies.top_levels()
    return {
        "format": MANIFEST_FORMAT,
        "package": project.package_path.name,
        "filebase64sha256": base64.b64encode(digest).decode("ascii"),
        "sha256": digest.hex(),
        **sizes.as_dict(),
        "runtime": target.runtime,
        "arch": target.arch,
        "lock_hash": lock_hash,
        "functions": [
            {"name": f.name, "handler": f.handler, "source": f.source, "layout": f.layout,
             **hashes[f.name]}
            for f in functions
        ],
        "dependencies": [{"name": n, "version": v, "top_level": top_levels[n]} for n, v in dependencies.versions],
        "builder": f"build-pkg {__version__} (code {builder_digest()[:12]})",
        "installer": dependencies.installer,
        "compressor": zipwriter.COMPRESSOR,
        "zip_timestamp": list(stamp),
        "inputs": inputs_digest,
    }
