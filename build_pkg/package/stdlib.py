"""The standard-library module names of each Lambda Python runtime. Pure.

A top-level module or package in functions/ with one of these names comes first
on Lambda's import path (/var/task) and replaces the standard library's for every
function in the package, and for the libraries they use (`functions/queue/` breaks
urllib3). python3.10 to python3.13: `sys.stdlib_module_names` of CPython 3.10.13,
3.11.7, 3.12.1 and 3.13.0, split into what all four share and what each adds.
python3.8 and python3.9 (no `stdlib_module_names` yet) and python3.14 (not
installed here) are derived from their "What's New" pages: 3.9 added zoneinfo and
graphlib, 3.10 removed formatter, parser and symbol; 3.14 added annotationlib and
compression. An extra name only refuses a module name; a missing one is what
matters, so the derived lists keep every name the neighbouring version has.
"""

from __future__ import annotations

# In every runtime from python3.10 to python3.13.
_COMMON = frozenset({
    "__future__", "_abc", "_aix_support", "_ast", "_asyncio", "_bisect", "_blake2", "_bz2", "_codecs",
    "_codecs_cn", "_codecs_hk", "_codecs_iso2022", "_codecs_jp", "_codecs_kr", "_codecs_tw", "_collections",
    "_collections_abc", "_compat_pickle", "_compression", "_contextvars", "_csv", "_ctypes", "_curses",
    "_curses_panel", "_datetime", "_dbm", "_decimal", "_elementtree", "_frozen_importlib",
    "_frozen_importlib_external", "_functools", "_gdbm", "_hashlib", "_heapq", "_imp", "_io", "_json",
    "_locale", "_lsprof", "_lzma", "_markupbase", "_md5", "_multibytecodec", "_multiprocessing", "_opcode",
    "_operator", "_osx_support", "_overlapped", "_pickle", "_posixshmem", "_posixsubprocess", "_py_abc",
    "_pydecimal", "_pyio", "_queue", "_random", "_scproxy", "_sha1", "_sha3", "_signal", "_sitebuiltins",
    "_socket", "_sqlite3", "_sre", "_ssl", "_stat", "_statistics", "_string", "_strptime", "_struct",
    "_symtable", "_thread", "_threading_local", "_tkinter", "_tracemalloc", "_uuid", "_warnings", "_weakref",
    "_weakrefset", "_winapi", "_zoneinfo", "abc", "antigravity", "argparse", "array", "ast", "asyncio",
    "atexit", "base64", "bdb", "binascii", "bisect", "builtins", "bz2", "cProfile", "calendar", "cmath",
    "cmd", "code", "codecs", "codeop", "collections", "colorsys", "compileall", "concurrent", "configparser",
    "contextlib", "contextvars", "copy", "copyreg", "csv", "ctypes", "curses", "dataclasses", "datetime",
    "dbm", "decimal", "difflib", "dis", "doctest", "email", "encodings", "ensurepip", "enum", "errno",
    "faulthandler", "fcntl", "filecmp", "fileinput", "fnmatch", "fractions", "ftplib", "functools", "gc",
    "genericpath", "getopt", "getpass", "gettext", "glob", "graphlib", "grp", "gzip", "hashlib", "heapq",
    "hmac", "html", "http", "idlelib", "imaplib", "importlib", "inspect", "io", "ipaddress", "itertools",
    "json", "keyword", "linecache", "locale", "logging", "lzma", "mailbox", "marshal", "math", "mimetypes",
    "mmap", "modulefinder", "msvcrt", "multiprocessing", "netrc", "nt", "ntpath", "nturl2path", "numbers",
    "opcode", "operator", "optparse", "os", "pathlib", "pdb", "pickle", "pickletools", "pkgutil", "platform",
    "plistlib", "poplib", "posix", "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile",
    "pyclbr", "pydoc", "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib",
    "resource", "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve", "shlex",
    "shutil", "signal", "site", "smtplib", "socket", "socketserver", "sqlite3", "sre_compile",
    "sre_constants", "sre_parse", "ssl", "stat", "statistics", "string", "stringprep", "struct", "subprocess",
    "symtable", "sys", "sysconfig", "syslog", "tabnanny", "tarfile", "tempfile", "termios", "textwrap",
    "this", "threading", "time", "timeit", "tkinter", "token", "tokenize", "trace", "traceback",
    "tracemalloc", "tty", "turtle", "turtledemo", "types", "typing", "unicodedata", "unittest", "urllib",
    "uuid", "venv", "warnings", "wave", "weakref", "webbrowser", "winreg", "winsound", "wsgiref", "xml",
    "xmlrpc", "zipapp", "zipfile", "zipimport", "zlib", "zoneinfo",
})

_ONLY = {
    "3.10": frozenset({
        "_bootsubprocess", "_crypt", "_msi", "_sha256", "_sha512", "aifc", "asynchat", "asyncore", "audioop",
        "binhex", "cgi", "cgitb", "chunk", "crypt", "distutils", "imghdr", "imp", "lib2to3", "mailcap",
        "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd", "sunau", "telnetlib",
        "uu", "xdrlib",
    }),
    "3.11": frozenset({
        "_bootsubprocess", "_crypt", "_msi", "_sha256", "_sha512", "_tokenize", "_typing", "aifc", "asynchat",
        "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt", "distutils", "imghdr", "imp", "lib2to3",
        "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd", "sunau",
        "telnetlib", "tomllib", "uu", "xdrlib",
    }),
    "3.12": frozenset({
        "_crypt", "_msi", "_pydatetime", "_pylong", "_sha2", "_tokenize", "_typing", "aifc", "audioop", "cgi",
        "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev",
        "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "tomllib", "uu", "xdrlib",
    }),
    "3.13": frozenset({
        "_android_support", "_colorize", "_interpchannels", "_interpqueues", "_interpreters", "_ios_support",
        "_opcode_metadata", "_pydatetime", "_pylong", "_pyrepl", "_sha2", "_suggestions", "_sysconfig",
        "_tokenize", "_typing", "_wmi", "tomllib",
    }),
}
_ONLY["3.9"] = _ONLY["3.10"] | {"formatter", "parser", "symbol", "_bootlocale"}
_ONLY["3.8"] = _ONLY["3.9"] | {"dummy_threading", "_dummy_thread"}  # zoneinfo and graphlib stay: see above
_ONLY["3.14"] = _ONLY["3.13"] | {"annotationlib", "compression", "_zstd", "_remote_debugging"}


def stdlib_names(python_version: str) -> frozenset[str]:
    """The top-level standard-library names of `python_version` ("3.12"), or of the
    nearest version known (a newer runtime than this table: the newest's)."""
    if python_version not in _ONLY:
        python_version = max(_ONLY, key=lambda v: tuple(int(p) for p in v.split(".")))
    return _COMMON | _ONLY[python_version]


def any_stdlib_name(name: str) -> bool:
    """`name` is a standard-library module of some Lambda runtime."""
    return name in _COMMON or any(name in names for names in _ONLY.values())


# What Lambda's Python runtimes carry in /var/runtime besides the standard library: the
# runtime client and the AWS SDK (invoke's runtime folder holds the same), behind the task
# root and the layers on the import path.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "jmespath", "s3transfer", "urllib3", "dateutil", "six",
                              "awslambdaric", "simplejson", "snapshot_restore_py"})
