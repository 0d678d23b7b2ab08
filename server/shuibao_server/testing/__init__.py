"""Helpers shared by the server tests and the benchmark (throwaway PostgreSQL clusters)."""
