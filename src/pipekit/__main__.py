from pipekit.cli import main

main(prog_name="pipekit")
