"""Drop-in compatibility: the call patterns of the real consumers of ``cyclecloud``, replayed.

Each module restates, in its own words, how one public consumer drives the package (which
calls, in which order, with which argument shapes, and which attributes and record keys it
reads), and runs that against the emulator over real HTTP. The consumer file a test is based on
is named in its docstring.
"""
