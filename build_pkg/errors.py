"""One error hierarchy for the whole builder.

The CLI prints `str(error)` as one line, `error: ...`, and exits with the
error's `exit_code`: 1 for domain errors, 2 for usage errors (a bad option
value), as click does for its own. Nothing below the CLI calls `sys.exit`.
"""


class BuildPkgError(Exception):
    """A domain error: bad input or a failed step, reported without a traceback."""

    exit_code = 1


class UsageError(BuildPkgError):
    """An option value the command cannot use (reported like click's usage errors)."""

    exit_code = 2


class SettingError(UsageError):
    """A function setting or trigger that Lambda or EventBridge would refuse."""


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


class InvokeError(BuildPkgError):
    """A function could not be run locally (unknown name, bad event, no package)."""


class ReleaseError(BuildPkgError):
    """The repository is not in a state that may be released, or a release step failed."""


class TerraformInterrupted(ReleaseError):
    """Terraform was stopped by an interrupt after saving its state and releasing its lock."""


class ArtifactError(BuildPkgError):
    """The package could not be stored in or read from S3."""


class CanaryError(BuildPkgError):
    """A function's alias cannot be shifted as asked."""


class AdoptError(BuildPkgError):
    """Functions running in AWS cannot be adopted as asked."""


class AwsError(BuildPkgError):
    """AWS cannot be asked: no region, no credentials, or an endpoint that does not answer."""


class RegistryError(BuildPkgError):
    """A container registry refused a request or could not be reached."""


class ImageError(BuildPkgError):
    """An image cannot be built or unpacked as asked (a layer that is not safe, a missing blob)."""


class OperateError(BuildPkgError):
    """A deployed function cannot be read or invoked as asked (no log group, not deployed)."""
