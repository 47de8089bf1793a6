# A tiny web app for the demo: answers every GET with a greeting that shows the buildpack's work.
import http.server
import os
import signal
import sys


def on_term(signum, frame):
    # Proves that SIGTERM sent to the instance reaches the app's own handler.
    print("hello-web: caught SIGTERM, shutting down", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, on_term)


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = "Hello from a droplet staged by {} (PORT={})\n".format(
            os.environ.get("STAGED_BY", "nobody"), os.environ.get("PORT")
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Hello).serve_forever()
