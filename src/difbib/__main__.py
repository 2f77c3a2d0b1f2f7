"""``python -m difbib``: the same command as ``difbib``, for environments where the
script is not on ``PATH`` (a venv that is not activated, ``pipx run``)."""

from difbib import main

if __name__ == "__main__":
    main()
