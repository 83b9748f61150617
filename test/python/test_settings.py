"""Settings: env parsed once, bad values named (variable, expected, got) with defaults kept, welcome wins."""
from __future__ import annotations

import json
import unittest

from . import support  # noqa: F401
from iron_shim import settings
from iron_shim.errors import IronError


class FromEnv(unittest.TestCase):
    def test_every_variable(self) -> None:
        env = {
            "IRON_ENDPOINT": "ipc:///tmp/x.sock",
            "IRON_AGENT_ID": "a1",
            "IRON_TOKEN": "t0k",
            "IRON_TIMEOUT_MS": "250",
            "IRON_FAIL_OPEN": "true",
            "IRON_ON_DENY": "raise",
            "IRON_PROVIDERS": json.dumps([{"name": "vllm", "kind": "openai", "base_url": "http://h:8000/v1/"}]),
            "IRON_SHIM_STRICT": "1",
            "IRON_SHIM_DEBUG": "0",
            "IRON_SPAWNED": "1",
            "IRON_PARENT_PID": "42",
            "IRON_ORPHAN_EXIT_MS": "0",
        }
        s = settings.from_env(env)
        self.assertEqual(
            (s.endpoint, s.agent, s.token, s.timeout_ms, s.fail_open, s.on_deny),
            ("ipc:///tmp/x.sock", "a1", "t0k", 250, True, "raise"),
        )
        self.assertEqual(s.providers, (settings.ProviderConfig("vllm", "openai", "http://h:8000/v1"),))
        self.assertEqual((s.strict, s.debug, s.spawned, s.parent_pid, s.orphan_exit_ms), (True, False, True, 42, 0))
        self.assertEqual(s.warnings, ())

    def test_defaults(self) -> None:
        s = settings.from_env({})
        self.assertEqual(
            (s.endpoint, s.timeout_ms, s.fail_open, s.on_deny, s.heartbeat_ms, s.orphan_exit_ms),
            (None, 5000, False, "response", 1000, 10000),
        )

    def test_bad_values_name_variable_expected_and_got_and_keep_defaults(self) -> None:
        s = settings.from_env(
            {
                "IRON_TIMEOUT_MS": "soon",
                "IRON_ON_DENY": "explode",
                "IRON_PROVIDERS": "[1",
                "IRON_FAIL_OPEN": "maybe",
                "IRON_ENDPOINT": "http://x",
            }
        )
        self.assertEqual(
            (s.timeout_ms, s.on_deny, s.providers, s.fail_open, s.endpoint), (5000, "response", (), False, None)
        )
        text = "\n".join(s.warnings)
        for needle in (
            "IRON_TIMEOUT_MS: expected a positive integer",
            "got 'soon'",
            "IRON_ON_DENY",
            "got 'explode'",
            "IRON_PROVIDERS: expected valid JSON",
            "IRON_FAIL_OPEN",
            "IRON_ENDPOINT",
        ):
            self.assertIn(needle, text)

    def test_providers_need_name_kind_and_http_base_url(self) -> None:
        for bad in (
            '{"name": "x"}',
            '[{"name": "x", "kind": "gemini", "base_url": "http://h"}]',
            '[{"name": "x", "kind": "openai", "base_url": "ftp://h"}]',
        ):
            self.assertEqual(settings.from_env({"IRON_PROVIDERS": bad}).providers, ())


class Overrides(unittest.TestCase):
    def test_install_arguments_win_and_bad_ones_raise_config_errors(self) -> None:
        base = settings.from_env({"IRON_TIMEOUT_MS": "100"})
        s = settings.with_overrides(base, {"timeout_ms": 900, "endpoint": "tcp://127.0.0.1:5555", "token": None})
        self.assertEqual((s.timeout_ms, s.endpoint, s.token), (900, "tcp://127.0.0.1:5555", None))
        with self.assertRaises(IronError) as ctx:
            settings.with_overrides(base, {"timeout": 1})
        self.assertEqual(ctx.exception.code, "IRON_ERR_CONFIG")
        self.assertIn("'timeout'", str(ctx.exception))
        with self.assertRaises(IronError) as ctx:
            settings.with_overrides(base, {"on_deny": "ignore"})
        self.assertIn("got 'ignore'", str(ctx.exception))

    def test_welcome_settings_win_and_bad_entries_are_ignored(self) -> None:
        base = settings.from_env({"IRON_TIMEOUT_MS": "100", "IRON_ON_DENY": "raise"})
        merged = base.merged_welcome(
            {
                "timeout_ms": 700,
                "fail_open": True,
                "on_deny": "bogus",
                "heartbeat_ms": 50,
                "providers": [{"name": "p", "kind": "anthropic", "base_url": "https://p/x"}],
                "unknown_key": 1,
            }
        )
        self.assertEqual(
            (merged.timeout_ms, merged.fail_open, merged.on_deny, merged.heartbeat_ms), (700, True, "raise", 50)
        )
        self.assertEqual(merged.providers[0].kind, "anthropic")
        self.assertTrue(any("welcome.settings.on_deny" in w for w in merged.warnings))

    def test_a_bad_token_value_is_never_echoed(self) -> None:
        # Tokens are free text, so they never fail to parse; warn() also masks anything token-related.
        self.assertEqual(settings.from_env({"IRON_TOKEN": "  s3cr3t "}).token, "s3cr3t")


if __name__ == "__main__":
    unittest.main()
