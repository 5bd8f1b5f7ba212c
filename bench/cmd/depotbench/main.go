// Command depotbench is depot with the benchmark commands registered
// (`depotbench bench seed|load|ready|report`), for scripts/bench.sh until
// main.go registers bench.Commands() itself.
package main

import (
	"os"

	"github.com/depot-registry/depot/bench"
	"github.com/depot-registry/depot/server"
)

func main() {
	server.Commands = append(server.Commands, bench.Commands()...)
	os.Exit(server.Main(os.Args[1:]))
}
