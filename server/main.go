package server

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/command"
	"github.com/depot-registry/depot/internal/gcfloor"
	"github.com/depot-registry/depot/store"
)

// Commands lists the server's subcommands; main.go puts them in one table
// with the client's and the benchmarks'.
func Commands() []command.Command {
	return []command.Command{
		{Name: "serve", Summary: "run the registry (embedded default: SQLite and blobs in ./data)", Run: serveCmd},
		{Name: "migrate", Summary: "create or upgrade the database schema and exit", Run: migrateCmd},
		{Name: "admin", Summary: "operator tasks on the database: `depot admin remove PKG [VERSION] -reason TEXT`, `depot admin mirror sync [NAMES]`, `depot admin export ORG`", Run: adminCmd},
		{Name: "import", Summary: "import a static Hex registry (folder or URL) into this database: `depot import [-org ORG] SOURCE`", Run: importCmd},
	}
}

func serveCmd(ctx context.Context, args []string) error {
	cfg, err := config.Parse(args)
	if err != nil {
		return err
	}
	if cfg.GCPercent > 0 {
		defer gcfloor.Start(cfg.GCPercent, uint64(cfg.GCHeapFloorMB)<<20).Stop()
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
	cfg, err := config.Parse(args)
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
