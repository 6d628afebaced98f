"""A bare Invoke project: the floor `inv --list` is measured against."""

from invoke import task


@task
def hello(c):  # type: ignore[no-untyped-def]
    """Say hello."""
    print("hello")
