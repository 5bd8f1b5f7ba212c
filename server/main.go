package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/depot-registry/depot/store"
)

// Command is one `depot` subcommand.
type Command struct {
	Name, Summary string
	Run           func(ctx context.Context, args []string) error
}

// Commands lists the server's subcommands; main.go puts them in one table
// with the client's and the benchmarks'.
func Commands() []Command {
	return []Command{
		{"serve", "run the registry (embedded default: SQLite and blobs in ./data)", serveCmd},
		{"migrate", "create or upgrade the database schema and exit", migrateCmd},
		{"admin", "operator tasks on the database: `depot admin remove PKG [VERSION] -reason TEXT`", adminCmd},
	}
}

// Main runs the depot command line with commands and returns the exit code.
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

func serveCmd(ctx context.Context, args []string) error {
	cfg, err := ParseConfig(args)
	if err != nil {
		return err
	}
	s, err := New(ctx, cfg, Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		if err := serveMetrics(cfg.MetricsAddr, s.MetricsHandler(), s.Log); err != nil {
			return err
		}
	}
	if cfg.DebugListen != "" {
		if err := serveDebug(cfg.DebugListen, s.Log); err != nil {
			return err
		}
	}
	s.Log.Info("depot is ready", "url", cfg.PublicURL, "listen", l.Addr().String(), "database", s.DB.Dialect)
	fmt.Fprintf(os.Stdout, "Depot is running at %s (GraphQL: %s/graphql)\n", cfg.PublicURL, cfg.PublicURL)
	return s.Serve(ctx, l)
}

func migrateCmd(ctx context.Context, args []string) error {
	cfg, err := ParseConfig(args)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, cfg.PublicRepository); err != nil {
		return err
	}
	fmt.Println("database is up to date:", db.Dialect)
	return nil
}
