from shardline.cli.main import main

main()
