"""make install puts the package where Debian's python3 finds it."""
import os
import pathlib
import subprocess

from conftest import BUILD, ROOT

PY = "/usr/bin/python3"


def make(*args, **env):
    e = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    e.update(env)
    return subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={BUILD}", *args],
                          cwd=ROOT, env=e, capture_output=True, text=True)


def test_install_and_uninstall(tmp_path):
    stage = tmp_path / "stage"
    r = make("install-python", "PREFIX=/usr/local", f"DESTDIR={stage}")
    assert r.returncode == 0, r.stderr
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    site = files[0].parent.parent
    rel = "/" + str(site.relative_to(stage))
    # the folder is one Debian's python3 searches, with no PYTHONPATH
    path = subprocess.run([PY, "-c", "import sys; print('\\n'.join(sys.path))"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}).stdout.split()
    assert rel in path, f"{rel} not in {PY}'s sys.path {path}"
    assert {p.name for p in files} >= {"__init__.py", "__init__.pyi", "py.typed"}
    assert any(p.name.startswith("_spasm.") and p.suffix == ".so" for p in files)
    # the installed copy imports and searches, on its own (libspasm linked in)
    out = subprocess.run(
        [PY, "-c", "import spasm, sys; print(spasm.__file__); "
         "print(spasm.Index(sys.argv[1]).search('renal colic')[0].doc)", str(BUILD / "corpus.spx")],
        capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(site / "spasm" / "__init__.py"), "000_e3e79627db3fc6d1"]
    ldd = subprocess.run(["ldd", str([p for p in files if p.suffix == ".so"][0])],
                         capture_output=True, text=True).stdout
    assert "libspasm" not in ldd
    r = make("uninstall", "PREFIX=/usr/local", f"DESTDIR={stage}")
    assert r.returncode == 0, r.stderr
    assert [p for p in stage.rglob("*") if not p.is_dir()] == []  # __pycache__ too
    assert not (site / "spasm").exists()


def test_usr_prefix_goes_to_debians_folder():
    r = make("-n", "PREFIX=/usr", "install-python")
    assert "install -d /usr/lib/python3/dist-packages/spasm\n" in r.stdout
