"""The voice-of-customer agents: plain functions wrapped as Prefect tasks, and their LLM client."""
