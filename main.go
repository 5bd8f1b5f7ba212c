// Command depot is a self-hostable package registry for the Erlang/Elixir
// (Hex) ecosystem: `depot serve` runs it, other subcommands manage it.
package main

import (
	"os"
	"slices"

	"github.com/depot-registry/depot/bench"
	"github.com/depot-registry/depot/cli"
	"github.com/depot-registry/depot/internal/command"
	"github.com/depot-registry/depot/server"
)

// commands is every subcommand, in the order `depot help` lists them.
func commands() []command.Command {
	return slices.Concat(
		server.Commands(), // serve, migrate, admin
		cli.Commands(),    // repo-key, build, publish, docs, revert, retire, owner, watch
		bench.Commands(),  // bench seed, load, feed
	)
}

func main() {
	os.Exit(command.Main(os.Args[1:], commands()))
}
