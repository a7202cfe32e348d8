"""The pipelines share the integration suite's fixtures (a live fogbank, real clients). They are
loaded from tests/integration/conftest.py under another module name, so that both directories
can run in one pytest invocation without two modules called `conftest` colliding."""
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "fogbank_integration_conftest", pathlib.Path(__file__).resolve().parents[1] / "integration" / "conftest.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

server = fixtures.server
_fresh_state = fixtures._fresh_state
