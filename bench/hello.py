"""The ceiling: a bare Flask app, served by the same gunicorn settings as cite-vote."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
