"""The digest of what an image is built from, its cache, and the judgement
of a stale image (dockhand.steps.sources, dockhand.steps.stale)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dockhand.docker import model as compose_model
from dockhand.docker.model import Build
from dockhand.steps import sources, stale


def make_context(root: Path) -> Build:
    context = root / "svc"
    (context / "app").mkdir(parents=True)
    (context / "tests").mkdir()
    (context / "app" / "main.py").write_text("print(1)\n")
    (context / "tests" / "test_x.py").write_text("x\n")
    (context / "Dockerfile").write_text("FROM base\nCOPY . .\n")
    (context / ".dockerignore").write_text("tests\nDockerfile\n")
    old = time.time() - 60
    for path in context.rglob("*"):
        os.utime(path, (old, old))
    return Build(context, context / "Dockerfile", None, {"BASE_IMAGE": "deb"})


def test_the_entries_are_what_the_context_sends_plus_dockerfile_and_args(
    tmp_path: Path,
) -> None:
    read = sources.read(make_context(tmp_path), tmp_path / "cache", tmp_path)
    assert sorted(read.entries) == [
        "build arg BASE_IMAGE",
        "svc/.dockerignore",
        "svc/Dockerfile",  # left out of the context, still what the image is built from
        "svc/app/main.py",
    ]


@pytest.mark.parametrize(
    ("change", "entry"),
    [
        (lambda c: (c / "app" / "main.py").write_text("print(2)\n"), "svc/app/main.py"),
        (lambda c: (c / "app" / "new.py").write_text(""), "svc/app/new.py"),
        (lambda c: (c / "app" / "main.py").unlink(), "svc/app/main.py"),
        (lambda c: (c / "app" / "main.py").chmod(0o755), "svc/app/main.py"),
        (lambda c: (c / "Dockerfile").write_text("FROM other\n"), "svc/Dockerfile"),
    ],
)
def test_each_change_changes_the_digest_and_is_named(
    tmp_path: Path, change: object, entry: str
) -> None:
    build = make_context(tmp_path)
    cache = tmp_path / "cache"
    before = sources.read(build, cache, tmp_path)
    assert sources.read(build, cache, tmp_path).digest == before.digest
    change(build.context)  # type: ignore[operator]
    after = sources.read(build, cache, tmp_path)
    assert after.digest != before.digest
    assert sources.changed(before.entries, after.entries) == [entry]


def test_an_ignored_file_or_an_arg_of_the_same_value_changes_nothing(
    tmp_path: Path,
) -> None:
    build = make_context(tmp_path)
    before = sources.read(build, tmp_path / "cache", tmp_path)
    (build.context / "tests" / "test_x.py").write_text("changed\n")
    (build.context / "tests" / "more.py").write_text("")
    assert sources.read(build, tmp_path / "cache", tmp_path).digest == before.digest
    other = Build(build.context, build.dockerfile, None, {"BASE_IMAGE": "ubuntu"})
    assert sources.read(other, tmp_path / "cache", tmp_path).digest != before.digest


def test_a_remembered_hash_is_used_only_while_the_stat_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "RACY_SECONDS", -1.0)  # files made just now
    build = make_context(tmp_path)
    cache = tmp_path / "cache"
    sources.read(build, cache, tmp_path)
    (remembered,) = (cache / "sources").iterdir()
    data = json.loads(remembered.read_text())
    assert set(data) == {".dockerignore", "app/main.py"}
    # A forged hash is believed while the file's stat is unchanged (the
    # cache is used) ...
    data["app/main.py"][-1] = "-forged"
    remembered.write_text(json.dumps(data))
    assert sources.read(build, cache, tmp_path).entries["svc/app/main.py"] == "-forged"
    # ... and not once the file is written, even with its old size and mtime.
    main = build.context / "app" / "main.py"
    info = main.stat()
    main.write_text("print(9)\n")
    os.utime(main, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert sources.read(build, cache, tmp_path).entries["svc/app/main.py"] != "-forged"


def test_a_file_changed_just_now_is_hashed_but_not_remembered(tmp_path: Path) -> None:
    build = make_context(tmp_path)
    (build.context / "app" / "main.py").write_text("print(3)\n")
    sources.read(build, tmp_path / "cache", tmp_path)
    (remembered,) = (tmp_path / "cache" / "sources").iterdir()
    assert "app/main.py" not in json.loads(remembered.read_text())


def test_an_exception_rule_reaches_into_an_ignored_folder(tmp_path: Path) -> None:
    build = make_context(tmp_path)
    (build.context / ".dockerignore").write_text("tests\n!tests/test_x.py\n")
    entries = sources.read(build, tmp_path / "cache", tmp_path).entries
    assert "svc/tests/test_x.py" in entries


NOW = sources.Sources(
    {"svc/app/main.py": "a", "svc/Dockerfile": "d"},
    newest=100.0,
    mtimes={"svc/app/main.py": 100.0, "svc/Dockerfile": 50.0},
)


def test_judge() -> None:
    same = stale.Image(NOW.digest, 10.0)
    assert stale.judge("web", NOW, same, None) is None
    other = stale.Image("sha256:old", 10.0)
    built_from = {"svc/app/main.py": "b", "svc/Dockerfile": "d"}
    found = stale.judge("web", NOW, other, built_from)
    assert found is not None
    assert found.line() == "web is stale: svc/app/main.py changed"
    unknown = stale.judge("web", NOW, other, None)
    assert unknown is not None and "which files: unknown" in unknown.why
    # No label (built without dockhand): judged by time.
    assert stale.judge("web", NOW, stale.Image("", 200.0), None) is None
    by_time = stale.judge("web", NOW, stale.Image("", 60.0), None)
    assert by_time is not None
    assert by_time.why == "svc/app/main.py newer than its image"
    missing = stale.judge("web", NOW, None, None)
    assert missing is not None and missing.why == "no image yet"


def test_many_changed_files_are_counted_after_three() -> None:
    new = {f"f{i}": "x" for i in range(5)}
    found = stale.judge(
        "web", sources.Sources(new, 0.0), stale.Image("sha256:o", 0.0), {}
    )
    assert found is not None
    assert found.why == "f0, f1, f2 (+2 more) changed"


def test_parse_images_by_id_and_tag() -> None:
    text = json.dumps(
        [
            {
                "Id": "sha256:abc",
                "RepoTags": ["shop-web:latest"],
                "Created": "2026-12-01T10:00:00.123456789Z",
                "Config": {"Labels": {sources.LABEL: "sha256:d"}},
            }
        ]
    )
    images = stale.parse_images(text)
    assert images["shop-web"] == images["sha256:abc"] == images["shop-web:latest"]
    assert images["shop-web"].digest == "sha256:d"
    assert stale.parse_images("") == {}


def test_builds_covers_the_named_services_and_what_they_depend_on() -> None:
    model = {
        "services": {
            "web": {"build": {"context": "/w"}, "depends_on": {"api": {}}},
            "api": {"build": {"context": "/a"}, "depends_on": {"db": {}}},
            "db": {"image": "postgres"},
            "other": {"build": {"context": "/o"}},
        }
    }
    parsed = compose_model.parse(model)
    assert sorted(stale.builds(parsed, ["web"])) == ["api", "web"]
    assert sorted(stale.builds(parsed, [])) == ["api", "other", "web"]
    assert stale.builds(None, []) == {}


def test_the_label_file_only_adds_labels(tmp_path: Path) -> None:
    path = stale.label_file({"web": "sha256:d"}, tmp_path)
    assert json.loads(path.read_text()) == {
        "services": {"web": {"build": {"labels": {sources.LABEL: "sha256:d"}}}}
    }


@pytest.mark.parametrize(
    "rules",
    [
        "tests\n",
        "*\n!app\n",
        "**/*.pyc\n!keep/*.pyc\n",
        "app\n!app/main.py\napp/main.py\n",
        "**/cache\n!a/cache/x\n",
        "*/b/*\n",
    ],
)
def test_the_walk_sends_what_the_matcher_sends(tmp_path: Path, rules: str) -> None:
    from dockhand.docker.dockerignore import ignore_rules, ignored

    names = [
        "app/main.py", "app/x.pyc", "keep/y.pyc", "tests/t.py", "a/cache/x",
        "a/cache/y", "a/b/c", "top.txt", "b/cache/z/deep.py",
    ]  # fmt: skip
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    parsed = ignore_rules(rules)
    walked = {rel for rel, _, _ in sources.walk(tmp_path, parsed)}
    assert walked == {n for n in names if not ignored(parsed, n)}


def test_the_label_keeps_its_name_for_images_built_before() -> None:
    """Images built by every earlier release carry this label: a new name
    would call all of them stale (a move of this module renamed it once)."""
    assert sources.LABEL == "io.dockhand.sources"


def test_parse_images_by_the_short_name_podman_tags_in_full() -> None:
    """Podman 5 tags a built `shop-web` as docker.io/library/shop-web:latest
    (and a loaded one as localhost/...): Compose's name must still find it."""
    text = json.dumps(
        [
            {
                "Id": "sha256:abc",
                "RepoTags": ["docker.io/library/shop-web:latest"],
                "Config": {"Labels": {sources.LABEL: "sha256:d"}},
            },
            {"Id": "sha256:def", "RepoTags": ["localhost/base:1"]},
            {"Id": "sha256:123", "RepoTags": ["docker.io/minio/minio:x"]},
        ]
    )
    images = stale.parse_images(text)
    assert images["shop-web"] == images["shop-web:latest"] == images["sha256:abc"]
    assert images["base:1"] == images["sha256:def"]
    assert images["minio/minio:x"] == images["sha256:123"]
