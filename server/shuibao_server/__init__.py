"""Shuibao central sync server (水保巡检中心同步服务)."""

API_VERSION = "1.0"
__version__ = "0.1.0"
