"""The translation from Compose's merged model to a stack file, on its own."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dockhand.docker.model import parse
from dockhand.swarm import stackfile
from dockhand.swarm.stackfile import (
    FAIL,
    HOST,
    MESH,
    SPEC_LABEL,
    WARN,
    Note,
    Rendered,
    Target,
)

DATA = Path(__file__).parent / "data"


def model() -> dict[str, Any]:
    """The shape `docker compose config --format json` gives for the
    reference stack with its production override (trimmed)."""
    return {
        "name": "shop",
        "services": {
            "db": {
                "build": {"context": "/src/db", "dockerfile": "Dockerfile"},
                "restart": "unless-stopped",
                "read_only": True,
                "shm_size": "268435456",
                "tmpfs": ["/var/run/postgresql", "/tmp:size=1000"],
                "environment": {"POSTGRES_PASSWORD": "pa$$word"},
                "volumes": [
                    {
                        "type": "volume",
                        "source": "db-data",
                        "target": "/data",
                        "volume": {},
                    }
                ],
                "ports": [
                    {
                        "mode": "ingress",
                        "host_ip": "127.0.0.1",
                        "target": 5432,
                        "published": "5432",
                        "protocol": "tcp",
                    }
                ],
                "networks": {"default": None},
                "deploy": {
                    "resources": {"limits": {"cpus": 2, "memory": "2147483648"}},
                    "placement": {},
                },
            },
            "web": {
                "build": {"context": "/src/web"},
                "command": None,
                "container_name": "web",
                "profiles": ["default"],
                "depends_on": {
                    "db": {"condition": "service_healthy", "required": True}
                },
                "ports": [
                    {
                        "mode": "ingress",
                        "target": 8078,
                        "published": "8078",
                        "protocol": "tcp",
                    }
                ],
                "networks": {"default": None},
                "restart": "on-failure:3",
            },
            "worker": {"image": "busybox:1", "command": ["sh", "-c", "echo $HOME"]},
        },
        "networks": {"default": {"name": "shop_default", "ipam": {}}},
        "volumes": {"db-data": {"name": "shop_db-data"}},
    }


def render(raw: dict[str, Any], target: Target) -> Rendered:
    return stackfile.render(parse(raw), target)


def problems(raw: dict[str, Any], stack: str) -> list[Note]:
    return stackfile.problems(parse(raw), stack)


IMAGES = {"db": "reg:5000/shop/db@sha256:aa", "web": "reg:5000/shop/web@sha256:bb"}


def target(routing: str = HOST, **kwargs: Any) -> Target:
    return Target(
        "shop",
        routing,
        kwargs.pop("images", IMAGES),
        {"db": "node1", "web": "node1"},
        **kwargs,
    )


def test_ports_are_integers_in_the_mode_the_cluster_offers() -> None:
    host = render(model(), target(HOST)).stack["services"]["web"]
    assert host["ports"] == [
        {"target": 8078, "mode": "host", "published": 8078, "protocol": "tcp"}
    ]
    assert host["deploy"]["endpoint_mode"] == "dnsrr"
    mesh = render(model(), target(MESH)).stack["services"]["web"]
    assert mesh["ports"][0]["mode"] == "ingress"
    assert "endpoint_mode" not in mesh["deploy"]


def test_a_port_bound_to_one_address_is_dropped_with_a_warning() -> None:
    rendered = render(model(), target())
    assert "ports" not in rendered.stack["services"]["db"]
    assert any("bound to 127.0.0.1 dropped" in str(n) for n in rendered.notes)


def test_build_is_replaced_by_the_pinned_image() -> None:
    rendered = render(model(), target())
    db = rendered.stack["services"]["db"]
    assert db["image"] == "reg:5000/shop/db@sha256:aa"
    assert "build" not in db
    assert ("db", WARN) in {
        (n.service, n.level) for n in rendered.notes if "build" in n.message
    }


def test_restart_becomes_a_restart_policy() -> None:
    services = render(model(), target()).stack["services"]
    assert services["db"]["deploy"]["restart_policy"] == {"condition": "any"}
    assert services["web"]["deploy"]["restart_policy"] == {"condition": "on-failure"}
    assert "restart" not in services["db"]


def test_what_swarm_does_not_take_is_dropped_each_with_a_note() -> None:
    rendered = render(model(), target())
    web = rendered.stack["services"]["web"]
    for key in ("depends_on", "container_name", "profiles", "command"):
        assert key not in web
    said = " ".join(str(n) for n in rendered.notes)
    assert "web: depends_on (db: service_healthy) dropped" in said
    assert "web: container_name dropped" in said
    assert "db: shm_size dropped" in said
    assert "profiles" not in said  # already applied by Compose: nothing to say


def test_a_local_data_volume_pins_its_service_to_a_node() -> None:
    services = render(model(), target()).stack["services"]
    assert services["db"]["deploy"]["placement"] == {
        "constraints": ["node.hostname == node1"]
    }
    assert "placement" not in services["web"]["deploy"]


def test_an_external_volume_pins_nothing() -> None:
    m = model()
    m["volumes"]["db-data"] = {"external": True, "name": "shared"}
    rendered = render(m, target())
    assert "placement" not in rendered.stack["services"]["db"]["deploy"]
    assert rendered.stack["volumes"]["db-data"] == {"external": True, "name": "shared"}


def test_names_compose_made_up_are_left_to_the_stack() -> None:
    stack = render(model(), target()).stack
    assert stack["networks"] == {"default": {"driver": "overlay", "attachable": True}}
    assert stack["volumes"] == {"db-data": None}


def test_the_short_tmpfs_form_becomes_tmpfs_mounts() -> None:
    db = render(model(), target()).stack["services"]["db"]
    assert "tmpfs" not in db
    assert {"type": "tmpfs", "target": "/var/run/postgresql"} in db["volumes"]
    assert {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 1000}} in db["volumes"]


def test_resources_are_strings_as_the_stack_schema_wants() -> None:
    db = render(model(), target()).stack["services"]["db"]
    assert db["deploy"]["resources"] == {
        "limits": {"cpus": "2", "memory": "2147483648"}
    }


def test_every_dollar_reaches_the_service_as_it_is() -> None:
    services = render(model(), target()).stack["services"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "pa$$$$word"
    assert services["worker"]["command"] == ["sh", "-c", "echo $$HOME"]


def test_update_order_follows_what_can_run_twice() -> None:
    mesh = render(model(), target(MESH)).stack["services"]
    assert mesh["web"]["deploy"]["update_config"] == {
        "order": "start-first",
        "failure_action": "rollback",
    }
    assert (
        mesh["db"]["deploy"]["update_config"]["order"] == "stop-first"
    )  # its data volume
    host = render(model(), target(HOST)).stack["services"]
    assert host["web"]["deploy"]["update_config"]["order"] == "stop-first"  # moby#36934


def test_the_users_update_config_wins_but_not_start_first_with_host_ports() -> None:
    m = model()
    m["services"]["web"]["deploy"] = {
        "update_config": {"order": "start-first", "monitor": "2s"}
    }
    rendered = render(m, target(HOST))
    update = rendered.stack["services"]["web"]["deploy"]["update_config"]
    assert update == {
        "order": "stop-first",
        "failure_action": "rollback",
        "monitor": "2s",
    }
    assert any(
        "start-first cannot be used with host-mode ports" in str(n)
        for n in rendered.notes
    )
    assert (
        render(m, target(MESH)).stack["services"]["web"]["deploy"]["update_config"][
            "order"
        ]
        == "start-first"
    )


def test_file_secrets_are_named_after_their_content() -> None:
    m = model()
    m["secrets"] = {"key": {"name": "shop_key", "file": "/src/key.txt"}}
    m["services"]["web"]["secrets"] = [{"source": "key"}]
    one = render(m, target(contents={"secrets/key": "1" * 64}))
    two = render(m, target(contents={"secrets/key": "2" * 64}))
    assert one.stack["secrets"]["key"] == {
        "file": "/src/key.txt",
        "name": "shop_key_111111111111",
    }
    assert two.stack["secrets"]["key"]["name"] == "shop_key_222222222222"
    # A new content is a new spec for the service that uses it, not for the others.
    assert one.spec_digests()["web"] != two.spec_digests()["web"]
    assert one.spec_digests()["db"] == two.spec_digests()["db"]


def test_a_secret_from_the_environment_cannot_be_deployed() -> None:
    m = model()
    m["secrets"] = {"token": {"name": "shop_token", "environment": "TOKEN"}}
    notes = render(m, target()).notes
    assert [str(n) for n in notes if n.level == FAIL] == [
        "secret token comes from its environment: a stack takes a secret from a file or an external one only"
    ]


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("network_mode", "host", "network_mode has no Swarm equivalent"),
        ("privileged", True, "privileged containers are not possible"),
        (
            "volumes",
            [{"type": "bind", "source": "/src/conf", "target": "/conf"}],
            "bind mount /src/conf",
        ),
    ],
)
def test_what_would_not_work_on_a_cluster_fails(
    key: str, value: Any, fragment: str
) -> None:
    m = model()
    m["services"]["web"][key] = value
    failures = [str(n) for n in render(m, target()).failures]
    assert (
        len(failures) == 1
        and failures[0].startswith("web: ")
        and fragment in failures[0]
    )


def test_privileged_false_is_no_problem() -> None:
    m = model()
    m["services"]["web"]["privileged"] = False
    assert render(m, target()).failures == []


def test_a_service_with_no_image_at_all_fails() -> None:
    m = model()
    del m["services"]["worker"]["image"]
    assert [str(n) for n in render(m, target()).failures] == [
        "worker: no image: nothing builds it and it names none"
    ]


def test_the_spec_digest_moves_with_the_spec_only() -> None:
    first = render(model(), target()).spec_digests()
    assert first == render(copy.deepcopy(model()), target()).spec_digests()
    moved = render(
        model(), target(images={**IMAGES, "web": "reg:5000/shop/web@sha256:cc"})
    )
    assert moved.spec_digests()["web"] != first["web"]
    assert moved.spec_digests()["db"] == first["db"]
    labels = moved.stack["services"]["web"]["deploy"]["labels"]
    assert labels == {SPEC_LABEL: moved.spec_digests()["web"]}


def test_the_stack_file_is_json_the_cli_reads_and_version_3_9() -> None:
    stack = render(model(), target()).stack
    assert stack["version"] == "3.9"
    assert json.loads(json.dumps(stack)) == stack


def test_problems_are_the_notes_whatever_the_cluster() -> None:
    said = [str(n) for n in problems(model(), "shop")]
    assert "web: build replaced by the image built and pushed by `inv deploy`" in said
    assert not [n for n in problems(model(), "shop") if n.level == FAIL]


def test_the_reference_stack_translates_without_a_failure() -> None:
    reference = json.loads((DATA / "reference-prod-model.json").read_text())
    rendered = render(
        reference, target(images={s: f"r/{s}@sha256:0" for s in reference["services"]})
    )
    assert rendered.failures == []
    assert set(rendered.stack["services"]) == {"db", "redis", "backend", "backend-ts"}
