# Kernels started by the course's JupyterLab (make lab, Binder) remember glued values, so the
# chapters' {glue} roles show their numbers in JupyterLab (see lib/mlfootprint/lab.py).
# Other kernels (the book build, the tests) are untouched.
import os

if os.environ.get("MLFOOTPRINT_LAB") == "1":
    c.InteractiveShellApp.extensions.append("mlfootprint.lab")  # noqa: F821
