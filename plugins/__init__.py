"""Built-in feature modules, one package each (``plugins/<name>/``), declared as entry points in
pyproject.toml under ``lscp.modules`` exactly as an outside module would be. See docs/plugins.md."""
