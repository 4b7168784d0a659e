"""One error hierarchy. The CLI prints `str(error)` as one line and exits 1."""


class BuildPkgError(Exception):
    """A domain error: bad input or a failed step, reported without a traceback."""

    exit_code = 1


class ProjectError(BuildPkgError):
    """The worker repository's layout is wrong (missing Pipfile, empty functions/...)."""


class LockError(BuildPkgError):
    """Pipfile or Pipfile.lock is missing, malformed, stale or not hash-checkable."""


class FunctionError(BuildPkgError):
    """A function's source is invalid: syntax error, no handler, bad or duplicate name."""


class SourceError(BuildPkgError):
    """A file under functions/ cannot be packaged (for example a symlink leaving the repo)."""


class InstallError(BuildPkgError):
    """Installing the locked dependencies for the Lambda platform failed."""


class LimitError(BuildPkgError):
    """The package breaks one of Lambda's hard limits."""


class TargetError(BuildPkgError):
    """The requested runtime or architecture is not one Lambda offers."""
