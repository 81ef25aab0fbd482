from argmine.cli.app import main

raise SystemExit(main())
