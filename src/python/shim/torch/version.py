__version__ = "2.5.0+torchexplorer"
cuda = None
hip = None
debug = False
git_version = "unknown"
