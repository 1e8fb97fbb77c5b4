"""A Python ssl line client for tests/app/tst_CliReplayTls.cpp.

tls_line_client.py (--cafile FILE | --fingerprint) PORT LINE... connects to
127.0.0.1:PORT over TLS, reads the greeting line, then sends each LINE (with
\r\n) and reads one reply line after each, and prints every reply on stdout,
one per line, then waits for the server to close. --cafile: the server's
certificate is verified against FILE, for the name "localhost". With
--fingerprint nothing is verified, and the first line printed is
"sha256 AB:CD:..." of the server's certificate. Exit status 0 when every
reply came and the server closed the connection afterwards, 1 otherwise.
"""
import hashlib
import socket
import ssl
import sys


def main():
    args = sys.argv[1:]
    mode = args.pop(0)
    if mode == "--cafile":
        ctx = ssl.create_default_context(cafile=args.pop(0))
        name = "localhost"
    elif mode == "--fingerprint":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        name = None
    else:
        print("usage: tls_line_client.py (--cafile FILE | --fingerprint) PORT LINE...", file=sys.stderr)
        return 2
    port = int(args.pop(0))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as s:
            if mode == "--fingerprint":
                digest = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest().upper()
                print("sha256 " + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)), flush=True)
            f = s.makefile("rb")
            replies = [f.readline()]
            for line in args:
                s.sendall(line.encode("latin-1") + b"\r\n")
                replies.append(f.readline())
            for r in replies:
                if not r.endswith(b"\r\n"):
                    print("missing reply; got %r" % (r,), file=sys.stderr)
                    return 1
                print(r[:-2].decode("latin-1"), flush=True)
            rest = f.read()  # until the server closes
            if rest:
                print("unexpected bytes after the last reply: %r" % (rest,), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
