"""Which function files `validate` can plan apart, in parallel. Pure.

Terraform's cost of one plan grows faster than the functions in it (at 200 functions 15.5 s,
at 500 57 s), so the tree is planned as groups, each the shared files and some functions'
files, side by side. A group must plan as the whole tree would: files that refer to each
other (`module.lambda_b.version` in another's environment, a `local` one declares and another
reads) or declare the same name
(which Terraform refuses as a duplicate) go in one group, and a shared file that refers to
a function's address means no split at all.
"""

from __future__ import annotations

from .tree import file_links, linked_closure


def validation_groups(files: dict[str, tuple[set[str] | None, str]], size: int) -> list[list[str]] | None:
    """`files`: per root file, what it declares (None for a shared file; see
    tree.declarations) and its text. The function files in groups of about `size` (whole
    clusters of related files, never split: tree.file_links), or None when they cannot be
    planned apart."""
    links = file_links(files)
    if links is None:  # a shared file refers to what a function file declares
        return None
    clusters: list[list[str]] = []
    placed: set[str] = set()
    for rel in sorted(links):
        if rel in placed:
            continue
        cluster = linked_closure({rel}, links)
        placed |= cluster
        clusters.append(sorted(cluster))
    groups: list[list[str]] = []
    for cluster in sorted(clusters, key=lambda c: (-len(c), c[0])):
        smallest = min(groups, key=len) if groups else None
        if smallest is not None and len(smallest) + len(cluster) <= size:
            smallest.extend(cluster)
        else:
            groups.append(list(cluster))
    return [sorted(group) for group in groups]
