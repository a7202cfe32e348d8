"""fogbank: routes boto3/botocore clients built without an endpoint_url to fogbank.

Current SDKs read AWS_ENDPOINT_URL themselves; the botocore Debian ships predates that, so the
session's create_client is wrapped the moment botocore.session is first imported. Used by
Lambda's Python bootstrap and, as sitecustomize, by every Python process of an EC2 instance."""
import os
import sys


class _BotocoreEndpoint:
    def __init__(self, endpoint):
        self.endpoint = endpoint

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        import importlib.util
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None:
            return None
        loader = spec.loader
        original = loader.exec_module
        endpoint = self.endpoint

        def exec_module(module):
            original(module)
            create_client = module.Session.create_client

            def create_client_with_endpoint(self, *args, **kwargs):
                if len(args) < 4 and kwargs.get("endpoint_url") is None:
                    kwargs["endpoint_url"] = endpoint
                return create_client(self, *args, **kwargs)

            module.Session.create_client = create_client_with_endpoint

        loader.exec_module = exec_module
        return spec


def install():
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint and "botocore.session" not in sys.modules:
        sys.meta_path.insert(0, _BotocoreEndpoint(endpoint))
