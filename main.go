// Command depot is a self-hostable package registry for the Erlang/Elixir
// (Hex) ecosystem: `depot serve` runs it, other subcommands manage it.
package main

import (
	"os"

	"github.com/depot-registry/depot/bench"
	"github.com/depot-registry/depot/cli"
	"github.com/depot-registry/depot/server"
)

func main() {
	server.Commands = append(server.Commands, cli.Commands()...)
	server.Commands = append(server.Commands, bench.Commands()...)
	os.Exit(server.Main(os.Args[1:]))
}
