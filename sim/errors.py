"""Bad input, as the user should see it: one line per problem, each naming the file or option,
the key and what was expected. The command line prints ``problems`` and exits with code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
