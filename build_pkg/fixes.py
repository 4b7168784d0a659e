"""The commands that messages tell people to run, named once: each works right after
`make build`, from any shell (pipenv itself lives in .tools/, not on PATH)."""

LOCK = "`make lock`"  # re-lock Pipfile.lock after editing the Pipfile
ADD = "`make add PACKAGE=NAME`"  # a run-time dependency: [packages], re-locked
ADD_DEV = "`make add-dev PACKAGE=NAME`"  # a tool for the builder or the tests: [dev-packages]
