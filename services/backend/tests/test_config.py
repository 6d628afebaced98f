"""The backend's settings from the environment (app.config), run in its
container by `inv test backend` (the image leaves tests/ out; dockhand
copies them in)."""

from __future__ import annotations

import unittest

from app.config import load_settings

ENVIRON = {
    "POSTGRES_USER": "neuroagent",
    "POSTGRES_PASSWORD": "p@ss:word/with#signs",
    "POSTGRES_DB": "neuroagent",
    "SECRET_KEY": "s3cret",
}


class LoadSettings(unittest.TestCase):
    def test_the_database_url_quotes_the_password(self) -> None:
        url = load_settings(ENVIRON).database_url
        self.assertEqual(url.password, ENVIRON["POSTGRES_PASSWORD"])
        self.assertEqual(url.host, "db")
        self.assertEqual(url.database, "neuroagent")
        self.assertNotIn("p@ss:word", url.render_as_string(hide_password=True))

    def test_redis_has_a_default(self) -> None:
        self.assertEqual(load_settings(ENVIRON).redis_url, "redis://redis:6379/0")

    def test_a_missing_secret_is_named(self) -> None:
        environ = {k: v for k, v in ENVIRON.items() if k != "SECRET_KEY"}
        with self.assertRaisesRegex(RuntimeError, "SECRET_KEY is not set"):
            load_settings(environ)


if __name__ == "__main__":
    unittest.main()
