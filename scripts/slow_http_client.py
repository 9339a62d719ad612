"""A client that sends a request too slowly, for scripts/test_http.sh's timeout checks.

    python3 scripts/slow_http_client.py <port> header|stall|trickle [token]

header:  the request line and part of a header, then one byte every 0.5 s, never ending the headers;
stall:   whole headers (Content-Length 100), 10 bytes of body, then nothing;
trickle: whole headers (Content-Length 1000), then one body byte every 0.5 s.
Prints "<status> <seconds> <field>": the response's status (or "closed" when the service
closed the connection without one), the seconds from the first byte sent, and the JSON
error's "field" ("-" when there is none). Gives up after 30 s ("open 30.0 -").
"""
import json
import socket
import sys
import time

port, mode = int(sys.argv[1]), sys.argv[2]
token = sys.argv[3] if len(sys.argv) > 3 else ""
auth = f"Authorization: Bearer {token}\r\n" if token else ""
head = f"POST /v2/jobs/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
first, drip = {
    "header": (head + "X-Slow: ", b"a"),
    "stall": (head + "Content-Length: 100\r\n\r\n" + '{"resume_"', None),
    "trickle": (head + "Content-Length: 1000\r\n\r\n" + "{", b" "),
}[mode]

sock = socket.create_connection(("127.0.0.1", port))
sock.settimeout(0.5)
start = time.monotonic()
sock.sendall(first.encode())
answer = b""
while time.monotonic() - start < 30:
    try:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
        if b"\r\n\r\n" in answer:
            break
    except socket.timeout:
        if drip:
            try:
                sock.sendall(drip)
            except OSError:
                break
    except OSError:
        break
seconds = time.monotonic() - start
if time.monotonic() - start >= 30:
    print("open 30.0 -")
    sys.exit(0)
status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1 ") else "closed"
field = "-"
try:
    # The rest of the body, until the service closes the connection.
    sock.settimeout(2)
    while (data := sock.recv(65536)):
        answer += data
except OSError:
    pass
try:
    field = json.loads(answer.split(b"\r\n\r\n", 1)[1]).get("field") or "null"
except (IndexError, ValueError, AttributeError):
    pass
print(f"{status} {seconds:.1f} {field}")
