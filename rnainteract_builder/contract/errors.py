"""The one exception family the command-line tools turn into a single clear line and a non-zero exit."""


class InputError(ValueError):
    """Bad user input (file, row, id, option): the message names what is wrong and where."""


def yaml_problem(err: Exception) -> str:
    """A PyYAML error as one line: what is wrong and where (line, column), without the source excerpt.

    >>> import yaml
    >>> try:
    ...     yaml.safe_load("ingest: [unclosed")
    ... except yaml.YAMLError as err:
    ...     print(yaml_problem(err))
    expected ',' or ']', but got '<stream end>' at line 1, column 18
    """
    problem = getattr(err, "problem", None) or (str(err).strip().splitlines() or [type(err).__name__])[0]
    mark = getattr(err, "problem_mark", None)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem
