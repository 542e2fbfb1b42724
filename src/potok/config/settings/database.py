from potok.config.env import read_database

from .base import DATA_DIR, ENV

DATABASES = {"default": read_database(ENV, DATA_DIR)}
