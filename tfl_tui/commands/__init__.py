"""The headless subcommands: `broker`, `produce`, `consume` (each a `run(args) -> int`)."""
