"""A small certificate authority and server certificate for a practice registry beyond loopback."""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tutor.core.files import write_atomically
from tutor.core.records import record

CA_DAYS = 3650
SERVER_DAYS = 825


@record
class TlsFiles:
    """Where the CA certificate, the server certificate and its key live."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def tls_files(folder: Path) -> TlsFiles:
    """The file names the tutor uses inside a TLS folder."""
    return TlsFiles(folder / "ca.crt", folder / "server.crt", folder / "server.key")


def ensure_certificates(folder: Path, host: str) -> TlsFiles:
    """Make (or reuse) the CA and a server certificate whose names cover host; return the files."""
    files = tls_files(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    ca_key_path = folder / "ca.key"
    new_ca = not (files.ca_cert.exists() and ca_key_path.exists())
    if new_ca:
        _make_ca(files.ca_cert, ca_key_path)
    # A server certificate signed by a CA that is gone would fail every student's trust line.
    if new_ca or not _covers(files.server_cert, host) or not _signed_by(files.server_cert, files.ca_cert):
        _make_server(files, ca_key_path, host)
    return files


def trust_commands(address: str, ca_cert: Path | str) -> list[str]:
    """The lines each student runs (with the CA file at ca_cert) so Docker and Podman trust it."""
    return [
        f"sudo mkdir -p /etc/docker/certs.d/{address} && "
        f"sudo cp {ca_cert} /etc/docker/certs.d/{address}/ca.crt",
        f"sudo mkdir -p /etc/containers/certs.d/{address} && "
        f"sudo cp {ca_cert} /etc/containers/certs.d/{address}/ca.crt",
    ]


def subject_names(host: str) -> list[x509.GeneralName]:
    """The names a server certificate for host carries (the host plus this machine's loopback)."""
    names: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                     x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        names.insert(0, x509.DNSName(host))
    else:
        if not address.is_loopback:
            names.insert(0, x509.IPAddress(address))
    return names


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _write_private(path: Path, data: bytes) -> None:
    write_atomically(path, data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _make_ca(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry-tutor practice CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_path, 0o644)


def _make_server(files: TlsFiles, ca_key_path: Path, host: str) -> None:
    ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{ca_key_path} is not the tutor's CA key; delete the TLS folder to renew it")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(subject_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(files.server_key, _key_pem(key))
    _write_private(files.server_cert, cert.public_bytes(serialization.Encoding.PEM))


def _covers(cert_path: Path, host: str) -> bool:
    """True when the server certificate exists, is valid for a while yet, and names host."""
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc < _now() + datetime.timedelta(days=30):
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return all(name in san for name in subject_names(host))


def _signed_by(cert_path: Path, ca_path: Path) -> bool:
    """True when the certificate at cert_path was issued and signed by the CA at ca_path."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    return True
