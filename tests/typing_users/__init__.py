"""Programs written as a user would, against the documented API, to be type-checked (mypy
strict and pyright strict): a hint in actorkit narrower or wider than what the docs promise
shows up here as an error in user code. They need not run; tests/test_typing_users.py
imports each so they stay valid Python."""
