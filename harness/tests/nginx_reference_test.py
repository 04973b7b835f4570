"""The nginx reference: generated config, and (when nginx is installed) a real start."""
from __future__ import annotations

import pathlib
import socket
import subprocess
import tempfile
import unittest

from harness.binaries import nginx_binary
from harness.nginx_reference import NginxConfig, nginx_command
from harness.server_process import free_port, wait_for_port
from harness.tests import junit


class ConfigTest(unittest.TestCase):
    def setUp(self) -> None:
        self.text = NginxConfig(port=8123, work_dir=pathlib.Path("/tmp/ab")).render()

    def test_foreground_master_and_two_workers(self) -> None:
        self.assertIn("daemon off;", self.text)
        self.assertIn("master_process on;", self.text)
        self.assertIn("worker_processes 2;", self.text)

    def test_user_directive_only_as_root(self) -> None:
        as_root = NginxConfig(port=1, work_dir=pathlib.Path("/w"), as_root=True).render()
        self.assertIn("\nuser root root;\n", as_root)
        as_user = NginxConfig(port=1, work_dir=pathlib.Path("/w"), as_root=False).render()
        self.assertNotIn("\nuser ", as_user)

    def test_listens_on_loopback_only(self) -> None:
        self.assertIn("listen 127.0.0.1:8123", self.text)
        self.assertNotIn("0.0.0.0", self.text)

    def test_routes_match_our_servers(self) -> None:
        self.assertIn('location = / {\n            default_type text/plain;\n'
                      '            return 200 "Hello World";', self.text)
        self.assertIn("return 200 '{\"message\":\"Hello, World!\"}';", self.text)
        self.assertIn("default_type application/json;", self.text)

    def test_every_file_is_in_the_work_dir(self) -> None:
        for directive in ("pid", "error_log", "access_log", "client_body_temp_path"):
            line = next(l for l in self.text.splitlines() if l.strip().startswith(directive + " "))
            self.assertIn("/tmp/ab/", line, directive)

    def test_header_timeout_is_nginx_default_unless_a_fault_sets_it(self) -> None:
        self.assertIn("client_header_timeout 60000ms;", self.text)
        faults = NginxConfig(port=1, work_dir=pathlib.Path("/w"), client_header_timeout_s=2.0)
        self.assertIn("client_header_timeout 2000ms;", faults.render())

    def test_command_uses_prefix_and_config(self) -> None:
        command = nginx_command(pathlib.Path("/usr/sbin/nginx"), pathlib.Path("/w/nginx.conf"))
        self.assertEqual(command, ["/usr/sbin/nginx", "-p", "/w", "-c", "/w/nginx.conf",
                                   "-e", "/w/error.log"])


def http_get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    return data


@unittest.skipIf(nginx_binary() is None, "nginx is not installed (scripts/setup installs it)")
class RealNginxTest(unittest.TestCase):
    def test_serves_hello_and_json_then_stops(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            config = NginxConfig(port=port, work_dir=pathlib.Path(tmp)).write()
            binary = nginx_binary()
            assert binary is not None
            process = subprocess.Popen(nginx_command(binary, config),
                                       stderr=subprocess.PIPE)
            try:
                if not wait_for_port("127.0.0.1", port, 10, process):
                    log = pathlib.Path(tmp, "error.log")
                    self.fail(f"nginx did not listen: {log.read_text() if log.exists() else ''}"
                              f" {process.stderr.read() if process.poll() is not None else ''}")
                hello = http_get(port, "/")
                self.assertTrue(hello.startswith(b"HTTP/1.1 200"))
                self.assertTrue(hello.endswith(b"\r\n\r\nHello World"))
                self.assertIn(b"Content-Type: text/plain", hello)
                self.assertTrue(http_get(port, "/json").endswith(b'{"message":"Hello, World!"}'))
                self.assertTrue(http_get(port, "/nope").startswith(b"HTTP/1.1 404"))
            finally:
                process.terminate()
                self.assertEqual(process.wait(timeout=5), 0)
            self.assertTrue((pathlib.Path(tmp) / "access.log").exists())


if __name__ == "__main__":
    junit.main()
