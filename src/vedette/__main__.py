from vedette.cli.main import main

main()
