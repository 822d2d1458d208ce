"""Prefect blocks that configure prefect-voc for deployments."""
