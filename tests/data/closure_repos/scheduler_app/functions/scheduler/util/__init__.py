import sys


def log(message: str) -> None:
    print(message, file=sys.stderr)
