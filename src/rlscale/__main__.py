from rlscale.cli import main

if __name__ == "__main__":   # not when a second process of the lab imports it (spawn)
    main()
