"""The yardstick for benchmarks/dashboard.py: the smallest Flask app, served by gunicorn the same way.

    .venv/bin/gunicorn -w 2 -b 127.0.0.1:8001 --pythonpath benchmarks hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"
