// Package command runs the depot command line: a table of subcommands,
// which main.go assembles from the server's, the client's and the
// benchmarks'.
package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Command is one `depot` subcommand.
type Command struct {
	Name, Summary string
	Run           func(ctx context.Context, args []string) error
}

// Main runs the command args name from commands and returns the exit code.
func Main(args []string, commands []Command) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(commands)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.Name == args[0] {
			if err := c.Run(ctx, args[1:]); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return 2
				}
				fmt.Fprintln(os.Stderr, "depot "+c.Name+":", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "depot: unknown command %q\n", args[0])
	usage(commands)
	return 2
}

func usage(commands []Command) {
	fmt.Fprintln(os.Stderr, "usage: depot COMMAND [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun `depot COMMAND -h` for a command's flags.")
}
