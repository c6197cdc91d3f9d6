from panelkit.cli import main

main()
