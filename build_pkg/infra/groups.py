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

from .tree import references, refers_to


def validation_groups(files: dict[str, tuple[set[str] | None, str]], size: int) -> list[list[str]] | None:
    """`files`: per root file, what it declares (None for a shared file; see
    tree.declarations) and its text. The function
    files in groups of about `size` (whole clusters of related files, never split), or None
    when they cannot be planned apart."""
    functions = {rel: addresses for rel, (addresses, _) in files.items() if addresses is not None}
    everything = {address for addresses in functions.values() for address in addresses}
    if any(addresses is None and refers_to(text, everything) for addresses, text in files.values()):
        return None
    parent = {rel: rel for rel in functions}

    def root(rel: str) -> str:
        while parent[rel] != rel:
            parent[rel] = parent[parent[rel]]
            rel = parent[rel]
        return rel

    owner: dict[str, str] = {}
    for rel, addresses in sorted(functions.items()):
        for address in addresses:
            if address in owner:  # a duplicate: Terraform must see both
                parent[root(rel)] = root(owner[address])
            owner.setdefault(address, rel)
    for rel in sorted(functions):
        for address in references(files[rel][1]) & owner.keys():
            parent[root(rel)] = root(owner[address])
    clusters: dict[str, list[str]] = {}
    for rel in sorted(functions):
        clusters.setdefault(root(rel), []).append(rel)
    groups: list[list[str]] = []
    for cluster in sorted(clusters.values(), key=lambda c: (-len(c), c[0])):
        smallest = min(groups, key=len) if groups else None
        if smallest is not None and len(smallest) + len(cluster) <= size:
            smallest.extend(cluster)
        else:
            groups.append(list(cluster))
    return [sorted(group) for group in groups]
