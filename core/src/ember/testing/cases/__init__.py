"""Op case modules; each defines ``CASES: list[OpCase]`` (see NOTE [op cases])."""
