from tests.workflows.routing.routing_kit import routing_dir

__all__ = ["routing_dir"]
