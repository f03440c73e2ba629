// Built by scripts/build.mjs: every .py file under src/python/process/python and src/python/shim, keyed by
// its path relative to site-packages (`_torch_explorer/runner.py`, `torch/__init__.py`, ...).
declare module 'virtual:python-files' {
  const files: Record<string, string>;
  export default files;
}
