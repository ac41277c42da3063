"""`BasicAuth`, `BearerAuth` and `HttpServer`, exported by `actorkit` but loaded on first use
(their modules import `hmac` and aiohttp, which `import actorkit` need not pay for): what a
user does with a package's names works on them as on the others, and a name the package lacks
fails as Python's own."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest

import actorkit
from actorkit import _http, _http_auth

LAZY = {"BasicAuth": _http_auth, "BearerAuth": _http_auth, "HttpServer": _http}


def fresh(code: str) -> list[str]:
    """What `code` prints, one line each, in an interpreter where nothing touched actorkit."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.splitlines()


def test_import_actorkit_loads_hmac_only_once_an_auth_class_is_used() -> None:
    assert fresh(
        "import sys, actorkit\n"
        "print('hmac' in sys.modules, 'actorkit._http_auth' in sys.modules)\n"
        "actorkit.BearerAuth\n"
        "print('hmac' in sys.modules, 'actorkit._http_auth' in sys.modules)\n"
    ) == ["False False", "True True"]


def test_import_actorkit_loads_aiohttp_only_once_the_server_class_is_used() -> None:
    """A user annotating `server: actorkit.HttpServer` pays for aiohttp at that first use, as
    at `serve_http`, not at `import actorkit`; a checker reads the name without loading it."""
    assert fresh(
        "import sys, actorkit\n"
        "print('aiohttp' in sys.modules, 'actorkit._http' in sys.modules)\n"
        "actorkit.HttpServer\n"
        "print('aiohttp' in sys.modules, 'actorkit._http' in sys.modules)\n"
    ) == ["False False", "True True"]


def test_dir_and_help_list_them_before_their_first_use() -> None:
    """`dir()` feeds tab completion and `help(actorkit)`'s list of classes."""
    assert fresh(
        "import pydoc, sys, actorkit\n"
        "print(all(name in dir(actorkit) for name in actorkit.__all__))\n"
        "text = pydoc.render_doc(actorkit, renderer=pydoc.plaintext)\n"
        "print([f'class {name}' in text for name in ('BasicAuth', 'BearerAuth', 'HttpServer')])\n"
    ) == ["True", "[True, True, True]"]


def test_a_star_import_brings_them_as_the_package_s() -> None:
    assert fresh(
        "from actorkit import *\n"
        "print(BearerAuth.__module__, BasicAuth.__module__, HttpServer.__module__)\n"
        "print(BearerAuth('t0ken').accepts('Bearer t0ken'))\n"
    ) == ["actorkit actorkit actorkit", "True"]


@pytest.mark.parametrize("name", sorted(LAZY))
def test_each_is_its_module_s_class_presented_as_the_package_s(name: str) -> None:
    cls = getattr(actorkit, name)
    assert cls is getattr(LAZY[name], name) and getattr(actorkit, name) is cls
    assert cls.__module__ == "actorkit" and f"{cls!r}" == f"<class 'actorkit.{name}'>"
    assert hasattr(actorkit, name)


@pytest.mark.parametrize(
    ("name", "args"), [("BearerAuth", ["t0ken"]), ("BasicAuth", ["ops", "pw"])]
)
def test_credentials_pickle_and_copy_equal_and_keep_their_secret_out_of_the_repr(
    name: str, args: list[str]
) -> None:
    auth = getattr(actorkit, name)(*args)
    for copied in (pickle.loads(pickle.dumps(auth)), copy.copy(auth), copy.deepcopy(auth)):
        assert copied == auth and type(copied) is type(auth)
    assert b"actorkit._http_auth" not in pickle.dumps(auth)  # the public name, not the module
    assert "t0ken" not in repr(auth) and "pw" not in repr(auth)


@pytest.mark.parametrize("name", ["Nope", "basicauth", "_LAZY_", "__path__x"])
def test_a_name_the_package_lacks_raises_attribute_error_naming_it(name: str) -> None:
    with pytest.raises(AttributeError, match=f"^module 'actorkit' has no attribute '{name}'$"):
        getattr(actorkit, name)
    assert not hasattr(actorkit, name)
    assert getattr(actorkit, name, "default") == "default"
    with pytest.raises(ImportError, match=f"cannot import name '{name}' from 'actorkit'"):
        exec(f"from actorkit import {name}", {})
