"""Logging in to ECR: `ecr:GetAuthorizationToken` through boto3 gives a base64 `AWS:<password>`,
valid 12 hours, used as Basic auth on `https://<account>.dkr.ecr.<region>.amazonaws.com/v2/`."""

from __future__ import annotations

import re

from ..errors import RegistryError
from .registry import Repository

_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


def ecr_auth(repository: Repository) -> str | None:
    """Basic auth from `ecr:GetAuthorizationToken` for an ECR host; None for any other."""
    match = _ECR_HOST.match(repository.host)
    if not match:
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    from ..aws import client, explain

    try:
        answer = client("ecr", match.group(2)).get_authorization_token(registryIds=[match.group(1)])
        token = answer["authorizationData"][0]["authorizationToken"]
    except (BotoCoreError, ClientError) as exc:
        raise RegistryError(f"{repository}: cannot get an ECR login ({explain(exc)})") from None
    except (KeyError, IndexError):
        raise RegistryError(f"{repository}: ECR gave no authorization token") from None
    return f"Basic {token}"
