from spendkit.cli.app import main

main()
