"""The Prefect flows: the weekly voice-of-customer analysis."""
