"""Settings read from the environment. Imports nothing of the project."""

from config.settings import (
    BaseConfig,
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    load_config,
)

__all__ = ["BaseConfig", "ConfigurationError", "DevelopmentConfig", "ProductionConfig", "TestingConfig", "load_config"]
