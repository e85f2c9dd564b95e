"""The lab's tiny web app: answers every request with a greeting."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """The greeting you see at http://localhost:5000/."""
    return "Hello from python-hello-world!\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
