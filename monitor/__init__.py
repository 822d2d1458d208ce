"""The execution monitor: results store, hooks, pricing, usage capture, CLI."""
