"""Loopback HTTP servers that speak the wire formats of the services prefect-voc calls."""
