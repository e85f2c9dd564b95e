"""The practice CA and its server certificate stay a pair (issue 11: a lost CA key)."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from tutor.core.registry.tls import ensure_certificates


def _issued_by(cert: Path, ca: Path) -> bool:
    try:
        x509.load_pem_x509_certificate(cert.read_bytes()).verify_directly_issued_by(
            x509.load_pem_x509_certificate(ca.read_bytes()))
    except Exception:
        return False
    return True


def test_a_lost_ca_key_remakes_the_server_certificate_with_the_new_ca(tmp_path: Path) -> None:
    """Delete ca.key: the next start makes a new CA and a server certificate signed by it."""
    files = ensure_certificates(tmp_path, "127.0.0.1")
    old_ca, old_server = files.ca_cert.read_bytes(), files.server_cert.read_bytes()
    assert _issued_by(files.server_cert, files.ca_cert)
    (tmp_path / "ca.key").unlink()
    again = ensure_certificates(tmp_path, "127.0.0.1")
    assert again.ca_cert.read_bytes() != old_ca
    assert again.server_cert.read_bytes() != old_server
    assert _issued_by(again.server_cert, again.ca_cert)


def test_a_server_certificate_from_another_ca_is_replaced(tmp_path: Path) -> None:
    """A CA certificate swapped under a kept server certificate: the server certificate is remade."""
    ensure_certificates(tmp_path / "a", "127.0.0.1")
    other = ensure_certificates(tmp_path / "b", "127.0.0.1")
    (tmp_path / "a" / "server.crt").write_bytes(other.server_cert.read_bytes())
    files = ensure_certificates(tmp_path / "a", "127.0.0.1")
    assert _issued_by(files.server_cert, files.ca_cert)


def test_certificates_that_fit_are_kept(tmp_path: Path) -> None:
    """Nothing lost, same host: the CA and the server certificate stay as they were."""
    files = ensure_certificates(tmp_path, "127.0.0.1")
    before = files.server_cert.read_bytes()
    assert ensure_certificates(tmp_path, "127.0.0.1").server_cert.read_bytes() == before
