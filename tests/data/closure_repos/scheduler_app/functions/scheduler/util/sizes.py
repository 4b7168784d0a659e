_ORDER = ["small", "medium", "large"]


def next_size(size: str) -> str:
    return _ORDER[min(_ORDER.index(size) + 1, len(_ORDER) - 1)]
