"""The errors a user can cause, in one light module (the CLI catches them without importing the heavy parts).

Each message names the file and, where there is one, the section/column and row, so the user can fix the input.
"""


class ConfigError(ValueError):
    """A config file or override is invalid; the message names the file, section and key."""


class CorpusError(ValueError):
    """A corpus file is missing, malformed or holds invalid rows; the message names file, column and line."""


class InputError(ValueError):
    """An input file cannot be read as asked (format, encoding, missing column); the message says why."""


class MarkerRuleError(ValueError):
    """A marker rule file holds a line that is not a valid regular expression."""


class ModelError(RuntimeError):
    """A model folder is missing, incomplete or fails its integrity check."""


class ModelFormatError(ValueError):
    """A model cannot be written in, or a folder does not hold, the array-and-JSON format."""


def bad_rows_message(errors: list[str], limit: int) -> str:
    """One message listing the first ``limit`` bad rows (each naming file, line and column) and how many more."""
    more = f"\n… and {len(errors) - limit} more" if len(errors) > limit else ""
    return f"{len(errors)} bad row(s):\n" + "\n".join(errors[:limit]) + more


USER_ERRORS = (ConfigError, CorpusError, InputError, ModelError, MarkerRuleError, FileNotFoundError)
