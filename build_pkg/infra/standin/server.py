"""Run the stand-in AWS provider as a Terraform plugin (go-plugin's gRPC handshake).

Terraform starts the plugin with a magic cookie in its environment and reads one
line from its stdout: `1|6|unix|<socket>|grpc|<server certificate>`. The plugin
then serves tfplugin6's Provider service, go-plugin's controller (for shutdown)
and its stdio service, over TLS with a certificate made for this run.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import sys
import tempfile
import threading
from concurrent import futures

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def _certificate() -> tuple[bytes, bytes, bytes]:
    """(certificate DER, certificate PEM, key PEM): a short-lived self-signed ECDSA certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.PEM), key_pem


def main() -> int:
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE:
        print("This is a Terraform provider plugin (a stand-in for hashicorp/aws): Terraform runs it.",
              file=sys.stderr)
        return 1
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    from .provider import StandInProvider

    done = threading.Event()

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request, context):  # noqa: N802
            done.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request, context):  # noqa: N802
            return iter(())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(StandInProvider(), server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    with tempfile.TemporaryDirectory(prefix="standin-aws-") as folder:
        socket = os.path.join(folder, "plugin.sock")
        der, cert_pem, key_pem = _certificate()
        server.add_secure_port(f"unix://{socket}", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
        server.start()
        print(f"1|6|unix|{socket}|grpc|{base64.b64encode(der).decode().rstrip('=')}", flush=True)
        done.wait()
        server.stop(grace=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
