from tfl_tui.cli import main

raise SystemExit(main())
