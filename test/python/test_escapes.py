"""Calls that used to escape governance (issue 16 item 6): http.client and urllib3 used directly,
each library governed exactly once through its nested layers, uninstall() under iron run, a shim
bug on the request side, and children started without the IRON_* environment."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import unittest
import urllib.request
from typing import Any, Dict, Optional
from unittest import mock
from urllib.parse import urlsplit

from .contract import CHAT
from .router_peer import RouterPeer, decision
from .support import ShimTestCase, has_module
import iron_shim
from iron_shim import providers, runtime


def _post_http_client(url: str, body: Any, https: bool = False) -> Any:
    """One POST through http.client alone: (status, body bytes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", parts.path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class HttpClientDirect(ShimTestCase):
    def url(self) -> str:
        return self.server.url + "/v1/chat/completions"

    def test_a_direct_http_client_call_is_asked_about_and_reported(self) -> None:
        status, body = _post_http_client(self.url(), CHAT)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["object"], "chat.completion")
        (req,) = self.requests_of("llm.request")
        self.assertEqual((req["library"], req["model"]), ("http.client", "gpt-4o-mini"))
        self.peer.wait_for("llm.response")

    def test_a_denied_direct_http_client_call_never_reaches_the_provider(self) -> None:
        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BUDGET", status=402, reason="budget")
        status, body = _post_http_client(self.url(), CHAT)
        self.assertEqual(status, 402)
        self.assertEqual(json.loads(body)["error"]["code"], "IRON_ERR_BUDGET")
        self.assertEqual(self.server.requests, [])

    def test_a_streamed_direct_http_client_call_is_tapped_and_reported_once(self) -> None:
        status, body = _post_http_client(self.url(), dict(CHAT, stream=True))
        self.assertEqual(status, 200)
        self.assertIn(b"data: [DONE]", body)
        (resp,) = self.peer.wait_for("llm.response")
        self.assertTrue(resp["stream"])

    def test_a_connection_reused_for_a_second_call_is_governed_again(self) -> None:
        parts = urlsplit(self.url())
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        for _ in range(2):
            conn.request("POST", parts.path, json.dumps(CHAT).encode(), {"Content-Type": "application/json"})
            self.assertEqual(conn.getresponse().read()[:1], b"{")
        conn.close()
        self.assertEqual(len(self.requests_of("llm.request")), 2)

    def test_the_low_level_api_to_an_llm_endpoint_is_refused(self) -> None:
        parts = urlsplit(self.url())
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.addCleanup(conn.close)
        with self.assertRaises(iron_shim.PolicyDenied) as ctx:
            conn.putrequest("POST", parts.path)
        self.assertEqual(ctx.exception.code, "IRON_ERR_POLICY")
        conn.putrequest("GET", "/v1/models")  # any other request goes out as before
        conn.endheaders()
        self.assertEqual(conn.getresponse().status, 200)
        self.assertEqual(self.requests_of("llm.request"), [])


@unittest.skipUnless(has_module("urllib3"), "urllib3 is not installed")
class Urllib3Direct(ShimTestCase):
    def test_a_direct_urllib3_call_is_asked_about_and_reported(self) -> None:
        import urllib3

        pool = urllib3.PoolManager()
        self.addCleanup(pool.clear)
        resp = pool.request("POST", self.server.url + "/v1/chat/completions", body=json.dumps(CHAT).encode())
        self.assertEqual(resp.status, 200)
        self.assertEqual(json.loads(resp.data)["object"], "chat.completion")
        (req,) = self.requests_of("llm.request")
        self.assertEqual(req["library"], "urllib3")
        self.peer.wait_for("llm.response")

    def test_a_denied_direct_urllib3_call_never_reaches_the_provider(self) -> None:
        import urllib3

        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_POLICY", status=403, reason="no")
        pool = urllib3.PoolManager()
        self.addCleanup(pool.clear)
        resp = pool.request("POST", self.server.url + "/v1/chat/completions", body=json.dumps(CHAT).encode())
        self.assertEqual(resp.status, 403)
        self.assertEqual(json.loads(resp.data)["error"]["code"], "IRON_ERR_POLICY")
        self.assertEqual(self.server.requests, [])

    def test_a_streamed_urllib3_call_is_tapped_as_it_is_read(self) -> None:
        import urllib3

        pool = urllib3.PoolManager()
        self.addCleanup(pool.clear)
        resp = pool.request(
            "POST",
            self.server.url + "/v1/chat/completions",
            body=json.dumps(dict(CHAT, stream=True)).encode(),
            preload_content=False,
        )
        data = b"".join(resp.stream(64))
        resp.release_conn()
        self.assertIn(b"data: [DONE]", data)
        (report,) = self.peer.wait_for("llm.response")
        self.assertTrue(report["stream"])


class GovernedExactlyOnce(ShimTestCase):
    """Each library sits on http.client (and requests on urllib3): one call, one llm.request."""

    def _check(self, send: Any) -> None:
        send(self.server.url + "/v1/chat/completions", json.dumps(CHAT).encode())
        self.peer.wait_for("llm.response")
        libraries = [m["library"] for m in self.requests_of("llm.request")]
        self.assertEqual(len(libraries), 1, libraries)

    def test_urllib(self) -> None:
        def send(url: str, data: bytes) -> None:
            req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).read()

        self._check(send)

    def test_http_client(self) -> None:
        self._check(lambda url, data: _post_http_client(url, CHAT))

    @unittest.skipUnless(has_module("requests"), "requests is not installed")
    def test_requests(self) -> None:
        import requests

        self._check(lambda url, data: requests.post(url, data=data, timeout=10).content)

    @unittest.skipUnless(has_module("urllib3"), "urllib3 is not installed")
    def test_urllib3(self) -> None:
        import urllib3

        pool = urllib3.PoolManager()
        self.addCleanup(pool.clear)
        self._check(lambda url, data: pool.request("POST", url, body=data).data)

    @unittest.skipUnless(has_module("httpx"), "httpx is not installed")
    def test_httpx(self) -> None:
        import httpx

        self._check(lambda url, data: httpx.post(url, content=data, timeout=10).content)


class UninstallUnderIronRun(ShimTestCase):
    install_settings = {"spawned": True, "orphan_exit_ms": 0}

    def test_uninstall_is_refused_and_calls_stay_governed(self) -> None:
        with mock.patch("sys.stderr") as err:
            iron_shim.uninstall()
        self.assertIn("IRON_ERR_POLICY", "".join(str(c) for c in err.write.call_args_list))
        self.assertTrue(iron_shim.status()["installed"])
        _post_http_client(self.server.url + "/v1/chat/completions", CHAT)
        self.assertEqual(len(self.requests_of("llm.request")), 1)

    def test_installing_again_towards_another_supervisor_is_refused_too(self) -> None:
        other = RouterPeer(handler=lambda msg: decision(msg), settings={})
        self.addCleanup(other.close)
        with mock.patch("sys.stderr") as err:
            iron_shim.install(endpoint=other.endpoint, token="tok-test", agent="b", timeout_ms=3000, strict=True)
        self.assertIn("install() with other settings refused", "".join(str(c) for c in err.write.call_args_list))
        self.assertEqual(iron_shim.status()["endpoint"], self.peer.endpoint)
        _post_http_client(self.server.url + "/v1/chat/completions", CHAT)
        self.assertEqual(len(self.requests_of("llm.request")), 1)
        self.assertEqual(other.of_type("llm.request"), [])

    def test_the_supervisor_may_allow_it(self) -> None:
        self.peer.settings["allow_uninstall"] = True
        self.reinstall_spawned()
        iron_shim.uninstall()
        self.assertFalse(iron_shim.status()["installed"])

    def reinstall_spawned(self) -> None:
        runtime.uninstall(force=True)
        iron_shim.install(
            endpoint=self.peer.endpoint,
            token="tok-test",
            agent="a",
            timeout_ms=3000,
            strict=True,
            spawned=True,
            orphan_exit_ms=0,
        )

    def tearDown(self) -> None:
        runtime.uninstall(force=True)
        super().tearDown()


class ShimBugDenies(ShimTestCase):
    install_settings = {"strict": False}

    def test_a_bug_while_building_the_request_denies_the_call(self) -> None:
        with mock.patch.object(providers, "inspect", side_effect=RuntimeError("boom")):
            status, body = _post_http_client(self.server.url + "/v1/chat/completions", CHAT)
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body)["error"]["code"], "IRON_ERR_INTERNAL")
        self.assertEqual(self.server.requests, [])

    def test_a_bug_while_matching_an_llm_shaped_call_denies_it(self) -> None:
        with mock.patch.object(providers, "match_url", side_effect=RuntimeError("boom")):
            status, body = _post_http_client(self.server.url + "/v1/chat/completions", CHAT)
        self.assertEqual(status, 503)
        self.assertEqual(self.server.requests, [])

    def test_with_fail_open_a_bug_lets_the_call_through(self) -> None:
        self.reinstall_with(fail_open=True)
        with mock.patch.object(providers, "inspect", side_effect=RuntimeError("boom")):
            status, _ = _post_http_client(self.server.url + "/v1/chat/completions", CHAT)
        self.assertEqual(status, 200)

    def reinstall_with(self, **extra: Any) -> None:
        iron_shim.uninstall()
        iron_shim.install(
            endpoint=self.peer.endpoint, token="tok-test", agent="a", timeout_ms=3000, strict=False, **extra
        )


class ChildrenKeepTheEnvironment(ShimTestCase):
    def test_a_child_started_with_a_bare_environment_still_gets_the_iron_variables(self) -> None:
        code = (
            "import os, json; from iron_shim import runtime; runtime.governor.client.wait_ready(5); "
            "print(json.dumps({k: v for k, v in os.environ.items() "
            "if k.startswith('IRON_') or k == 'PYTHONPATH'}))"
        )
        env: Optional[Dict[str, str]] = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": "/theirs"}
        package = os.path.dirname(os.path.abspath(iron_shim.__file__))
        boot = os.path.join(package, "_boot") + os.pathsep + os.path.dirname(package)
        ours = {"IRON_ENDPOINT": self.peer.endpoint, "IRON_TOKEN": "tok-test", "PYTHONPATH": boot + os.pathsep + "/x"}
        with mock.patch.dict(os.environ, ours):
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True).stdout
        child = json.loads(out)
        self.assertEqual(child.get("IRON_ENDPOINT"), self.peer.endpoint)
        self.assertEqual(child.get("IRON_TOKEN"), "tok-test")
        self.assertEqual(child.get("PYTHONPATH"), boot + os.pathsep + "/theirs")
        hellos = self.peer.wait_for("hello", 2)  # this process's, then the child's: it joined
        self.assertNotEqual(hellos[1]["pid"], os.getpid())


class IsolatedChildren(ShimTestCase):
    def test_starting_python_with_minus_i_says_it_may_run_ungoverned(self) -> None:
        from iron_shim.interceptors import children

        self.addCleanup(children._warned.clear)
        children._warned.clear()
        with mock.patch("sys.stderr") as err:
            subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
            subprocess.run([sys.executable, "-c", "pass"], check=True)
        written = "".join(str(c) for c in err.write.call_args_list)
        self.assertIn("-I/-E, which ignores PYTHONPATH", written)
        self.assertEqual(written.count("ignores PYTHONPATH"), 1)

    def test_a_minus_i_child_is_governed_when_the_package_is_in_its_site_packages(self) -> None:
        import shutil
        import tempfile
        import venv

        root = tempfile.mkdtemp(prefix="iron-venv-")
        self.addCleanup(shutil.rmtree, root, True)
        venv.create(root, with_pip=False, symlinks=True)
        python = os.path.join(root, "bin", "python")
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        os.symlink(os.path.dirname(os.path.abspath(iron_shim.__file__)), os.path.join(site, "iron_shim"))
        with open(os.path.join(site, "iron_shim.pth"), "w", encoding="utf-8") as f:  # what pip install writes
            f.write(
                'import os; os.environ.get("IRON_ENDPOINT") and '
                '__import__("iron_shim.bootstrap").bootstrap.install_from_env()\n'
            )
        env = dict(os.environ, IRON_ENDPOINT=self.peer.endpoint, IRON_TOKEN="tok-test")
        code = "from iron_shim import runtime; print(runtime.governor.client.wait_ready(5))"
        with mock.patch("sys.stderr"):  # the -I note
            out = subprocess.run([python, "-I", "-c", code], env=env, capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), "ready")
        self.assertEqual(len(self.peer.wait_for("hello", 2)), 2)


if __name__ == "__main__":
    unittest.main()
