"""The one exception family the command-line tools turn into a single clear line and a non-zero exit."""


class InputError(ValueError):
    """Bad user input (file, row, id, option): the message names what is wrong and where."""
