"""The package phase of the build: functions/ + the locked dependencies -> the bytes of
terraform/dists.zip and its manifest; with the dependency layer, the dependencies go to
terraform/layer.zip instead. The build pipeline (build_pkg/pipeline) writes them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass, field

from .. import __version__
from ..errors import BuildPkgError, FunctionError
from ..fixes import ADD_DEV
from ..fsutil import file_sha256
from ..progress import Reporter
from ..versions import builder_digest
from ..project import Project
from . import advice, deps, layer as dependency_layer, limits, shadowing, zipwriter
from .closure import Analysis, analyse, cache_file
from .discover import Function, discover
from .identity import FileDigest, dependencies_delivery, function_identity, layer_identity
from .inputs import Inputs
from .provided import locked_names
from .sources import walk_functions

MANIFEST_FORMAT = 2


@dataclass(frozen=True)
class BuildOptions:
    handler: str = "handler"
    force: bool = False
    layer: bool | None = None  # None: the project's setting (terraform/main.tf)
    # What the manifest says the functions deploy as; "image" until the images are written
    # beside it names no image digest, so Terraform fails rather than deploy the zip instead.
    package_type: str = "zip"
    # Per function, the folders under functions/ its PYTHONPATH adds (its .tf's environment:
    # Lambda honours it), where its imports are looked for too: ((name, (folder, ...)), ...).
    import_roots: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Per function, its .tf's literal environment values: a data file or a module they name
    # (CATALOG_DB = "catalog.db", DJANGO_SETTINGS_MODULE) joins its closure.
    environment_values: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class BuildResult:
    manifest: dict
    up_to_date: bool  # nothing changed: the zip was left as it was
    warnings: tuple[str, ...]
    changed: tuple[str, ...] = ()  # functions whose identity differs from the previous build's
    layer_changed: bool = False
    removed: tuple[str, ...] = ()  # functions the previous build had and this one has not
    # What a step after the zip (the images) builds from; absent when the zip was up to date.
    sources: list | None = field(default=None, compare=False, repr=False)
    dependencies: deps.Dependencies | None = field(default=None, compare=False, repr=False)
    previous: dict | None = field(default=None, compare=False, repr=False)  # the manifest before this build
    # What to write beside the manifest, by file name in terraform/ (None: remove it); empty
    # when the package was up to date.
    outputs: dict[str, bytes | None] = field(default_factory=dict, compare=False, repr=False)


def source_date_epoch() -> int | None:
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BuildPkgError(f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds; fix or unset it") from None


def make_package(inputs: Inputs, options: BuildOptions, report: Reporter,
                 functions: list[Function] | None = None) -> BuildResult:
    """The package from `inputs`, as bytes to write (BuildResult.outputs); `functions`, when a
    caller already found them, are not discovered again (their handlers are still checked).
    Writes nothing: the build pipeline stages the outputs and commits them with the rest."""
    project, target, lock = inputs.project, inputs.target, inputs.fresh_lock()
    packages = list(inputs.packages)
    for warning in inputs.warnings:
        report.warn(warning)

    if functions is None:
        functions = discover(project.root, project.functions_dir, options.handler, check_handlers=False)
    report.step(f"functions: {len(functions)} found ({', '.join(f.name for f in functions[:6])}"
                f"{', ...' if len(functions) > 6 else ''})")
    walk = walk_functions(project.functions_dir, project.root)
    for secret in walk.secrets:
        report.warn(f"{secret} looks like a secret and was left out of the package; keep secrets in SSM or Secrets Manager")
    sources = [(f, f.path.read_bytes()) for f in walk.files]
    shadowing.check_stdlib((f.arcname for f, _ in sources), target, locked_names(inputs))
    analysis = analyse(functions, [(f.arcname, data) for f, data in sources], target.version_tuple,
                       cache_file(project), report.warn,
                       dict(options.import_roots), dict(options.environment_values))
    check_entries(functions, analysis, options.handler)
    for note in analysis.notes:
        report.detail(note)
    for warning in analysis.warnings:
        report.warn(warning)

    stamp = zipwriter.dos_timestamp(source_date_epoch())
    use_layer = dependency_layer.setting(project) if options.layer is None else options.layer
    keys = deps.cache_keys(packages, target, project.root)
    inputs_digest = _inputs_digest(keys.set, target, functions, sources, stamp, use_layer,
                                   (options.import_roots, options.environment_values))
    previous = _previous_manifest(project)
    if not options.force and previous is not None and _is_current(project, previous, inputs_digest):
        report.step(f"{project.rel(project.package_path)} is up to date")
        return BuildResult(previous, True, tuple(report.warnings), previous=previous)

    dependencies = deps.ensure(lock, packages, target, keys, report)
    shadowing.check_dependencies(_installed_tops(dependencies), [f.arcname for f, _ in sources], use_layer)
    tools = advice.dev_tools_to_move(packages, dependencies.requirements(), dependencies.top_levels(),
                                     _imported_tops(analysis), target)
    if tools:
        report.warn(f"{lock.path.name} [packages] holds development tools that would ship to Lambda and that no "
                    f"other package requires and no function imports: {', '.join(tools)}; move them to "
                    f"[dev-packages] ({ADD_DEV})")
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

    dependency_content = dependencies.content()
    hashes = function_hashes(functions, sources, analysis, dependencies_delivery(dependency_content, use_layer),
                             target, report)
    manifest = _manifest(project, target, lock.pipfile_hash, functions, dependencies, sizes, data, inputs_digest,
                         stamp, hashes, dependency_content, options.package_type)
    manifest["layer"] = _layer_manifest(project, layer, layer_sizes, dependency_content) if layer is not None else None
    changes = _changes(previous, manifest)
    # No layer: one from an earlier build would mislead `size`, so it goes.
    outputs = {project.package_path.name: data, project.layer_path.name: layer}
    report.detail(f"packed {shown} ({limits.mb(len(data))})"
                + (f" and {project.rel(project.layer_path)} ({limits.mb(len(layer))})" if layer is not None else ""))
    return BuildResult(manifest, False, tuple(report.warnings), *changes, sources=sources, dependencies=dependencies,
                       previous=previous, outputs=outputs)


def check_entries(functions: list[Function], analysis: Analysis, handler_name: str) -> None:
    """Every entry module parses for the target and binds the handler; then every
    syntax error in a file a closure reaches, as one error naming the first."""
    for function in functions:
        found = analysis.scans.get(function.source.removeprefix("functions/"))
        if found is None or found.newer:
            continue  # a newer runtime's syntax: the analysis warns; the handler cannot be checked here
        if found.error:
            raise FunctionError(found.error)
        if handler_name not in found.defines:
            raise FunctionError(f"{function.source}: no top-level {handler_name!r} defined; add "
                                f"`def {handler_name}(event, context):`")
    if analysis.errors:
        more = f" (and {len(analysis.errors) - 1} more)" if len(analysis.errors) > 1 else ""
        raise FunctionError(analysis.errors[0] + more)


def _installed_tops(dependencies: deps.Dependencies) -> set[str]:
    return {limits.top_level(file.name).removesuffix(".py") for file, _ in dependencies.files()
            if ".dist-info" not in file.name}


def _imported_tops(analysis: Analysis) -> set[str]:
    return {name.split(".", 1)[0] for scan in analysis.scans.values() for name in scan.modules}


def _changes(previous: dict | None, manifest: dict) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    """(changed functions, layer changed, removed functions) against the previous manifest."""
    before = {f.get("name"): f.get("code_sha256") for f in (previous or {}).get("functions", [])
              if isinstance(f, dict)} if previous else {}
    changed = tuple(f["name"] for f in manifest["functions"] if before.get(f["name"]) != f["code_sha256"])
    old_layer = (previous or {}).get("layer") or {}
    new_layer = manifest.get("layer") or {}
    layer_changed = old_layer.get("content_sha256") != new_layer.get("content_sha256")
    removed = tuple(sorted(set(before) - {f["name"] for f in manifest["functions"]}))
    return changed, layer_changed, removed


def describe_changes(result: BuildResult) -> str:
    """`changed: 1 of 10 functions (api)`, with the layer and the functions that went."""
    changed, layer_changed, removed = result.changed, result.layer_changed, result.removed
    total = len(result.manifest["functions"])
    shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    text = f"changed: {len(changed)} of {total} functions" + (f" ({shown})" if changed else "")
    if layer_changed:
        text += "; the dependency layer"
    if removed:
        text += f"; removed: {', '.join(removed)}"
    return text


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    zipwriter.write(buffer, entries)
    return buffer.getvalue()


def _layer_manifest(project: Project, layer: bytes, sizes: limits.SizeReport, dependency_content: str) -> dict:
    digest = hashlib.sha256(layer).digest()
    identity = layer_identity(dependency_content)
    return {"package": project.layer_path.name, "filebase64sha256": base64.b64encode(digest).decode("ascii"),
            "sha256": digest.hex(), **sizes.as_dict(),
            "content_hash": identity.base64, "content_sha256": identity.hex}


def _inputs_digest(deps_key: str, target, functions: list[Function], sources, stamp, use_layer: bool,
                   import_roots=()) -> str:
    """Everything that decides the zips' bytes and the identities, so an unchanged tree is not rebuilt."""
    digest = hashlib.sha256()
    digest.update(json.dumps({
        "builder": builder_digest(), "deps": deps_key, "stamp": list(stamp), "layer": use_layer,
        "runtime": target.runtime, "arch": target.arch,
        "functions": [(f.name, f.handler, f.source) for f in functions],
        "import_roots": [list(r) for r in import_roots],
    }, sort_keys=True).encode())
    for file, data in sources:
        digest.update(f"\0{file.arcname}\0{file.mode:o}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def function_hashes(functions: list[Function], sources, analysis: Analysis, delivery: dict, target,
                    report: Reporter) -> dict[str, dict]:
    """Per function: its deploy identity (see identity) as Terraform's source_code_hash
    (base64) and hex, and the closure it was made from."""
    digests = {file.arcname: FileDigest(file.arcname, file.mode, hashlib.sha256(data).hexdigest())
               for file, data in sources}
    hashes = {}
    for function in functions:
        closure = analysis.closures[function.name]
        if closure.dynamic:
            more = f" (and {len(closure.dynamic) - 1} more)" if len(closure.dynamic) > 1 else ""
            report.detail(f"{function.name}: depends on all of functions/, as it loads code the analysis cannot "
                          f"follow: {closure.dynamic[0]}{more}")
        identity = function_identity((digests[arc] for arc in closure.files), delivery, target.runtime,
                                     target.arch, function.handler)
        hashes[function.name] = {
            "source_code_hash": identity.base64, "code_sha256": identity.hex, "files": len(closure.files),
            "depends_on_everything": closure.depends_on_everything,
            "why_everything": list(closure.dynamic[:5]), "closure": sorted(closure.files),
        }
    return hashes


def _previous_manifest(project: Project) -> dict | None:
    try:
        manifest = json.loads(project.manifest_path.read_text())
        return manifest if isinstance(manifest, dict) else None
    except (OSError, ValueError):
        return None


def _is_current(project: Project, manifest: dict, inputs: str) -> bool:
    try:
        if manifest.get("inputs") != inputs or file_sha256(project.package_path) != manifest.get("sha256"):
            return False
        layer = manifest.get("layer")
        return layer is None or file_sha256(project.layer_path) == layer.get("sha256")
    except (OSError, ValueError, AttributeError):
        return False


def _manifest(project, target, lock_hash, functions, dependencies, sizes, data, inputs_digest, stamp, hashes,
              dependency_content, package_type) -> dict:
    digest = hashlib.sha256(data).digest()
    top_levels = dependencies.top_levels()
    return {
        "format": MANIFEST_FORMAT,
        "package": project.package_path.name,
        "package_type": package_type,
        "filebase64sha256": base64.b64encode(digest).decode("ascii"),
        "sha256": digest.hex(),
        **sizes.as_dict(),
        "runtime": target.runtime,
        "arch": target.arch,
        "lock_hash": lock_hash,
        "functions": [
            {"name": f.name, "handler": f.handler, "source": f.source, "layout": f.layout, **hashes[f.name]}
            for f in functions
        ],
        "dependencies": [{"name": n, "version": v, "top_level": top_levels[n]} for n, v in dependencies.versions],
        "dependencies_content": dependency_content,
        "builder": f"build-pkg {__version__} (code {builder_digest()[:12]})",
        "installer": dependencies.installer,
        "compressor": zipwriter.COMPRESSOR,
        "zip_timestamp": list(stamp),
        "inputs": inputs_digest,
    }
