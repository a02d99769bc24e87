"""Settings read from the environment. Imports nothing of the project."""

from config.settings import (
    BaseConfig,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    load_config,
)

__all__ = ["BaseConfig", "DevelopmentConfig", "ProductionConfig", "TestingConfig", "load_config"]
