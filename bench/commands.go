package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/depot-registry/depot/config"
	"github.com/depot-registry/depot/internal/command"
	"github.com/depot-registry/depot/store"
)

// Commands are the `depot bench ...` subcommands, for main to register.
func Commands() []command.Command {
	return []command.Command{{Name: "bench", Summary: "read benchmarks: seed a data set, load a server, report (see BENCHMARKS.md)", Run: run}}
}

func run(ctx context.Context, args []string) error {
	sub := map[string]func(context.Context, []string) error{
		"seed": seedCmd, "load": loadCmd, "ready": readyCmd, "report": reportCmd, "feed": feedCmd, "pgcpu": pgcpuCmd,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprint(os.Stderr, `usage: depot bench COMMAND [flags]

  seed    write the benchmark data set into a fresh database
  load    send GraphQL requests of one or all shapes for a fixed time
  ready   start a command (e.g. depot serve) and time it until /readyz answers 200
  report  print result tables from load/ready/floor JSON lines; append a history line
  feed    open many websocket subscribers to releaseEvents, publish, time delivery
  pgcpu   print the CPU seconds a PostgreSQL cluster has used (for timing pgbench)

Run "depot bench COMMAND -h" for its flags.
`)
		return flag.ErrHelp
	}
	return sub[args[0]](ctx, args[1:])
}

func sizeFlags(fs *flag.FlagSet) (*uint64, *Size) {
	size := DefaultSize
	seed := fs.Uint64("seed", 1, "data set seed; load must use the seed that seed used")
	fs.IntVar(&size.Packages, "packages", size.Packages, "packages in the data set (load must use the same)")
	return seed, &size
}

func seedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench seed", flag.ContinueOnError)
	env := func(k, d string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return d
	}
	dbURL := fs.String("database-url", env("DEPOT_DATABASE_URL", ""), "postgres://... URL; empty for SQLite in the data folder (DEPOT_DATABASE_URL)")
	dataDir := fs.String("data-dir", env("DEPOT_DATA_DIR", "data"), "data folder (DEPOT_DATA_DIR)")
	secretKey := fs.String("secret-key", env("DEPOT_SECRET_KEY", ""), "the server's secret key, which keys API key hashes; default: the data folder's (DEPOT_SECRET_KEY)")
	repoName := fs.String("repository-name", env("DEPOT_REPOSITORY_NAME", "depot"), "public repository name (DEPOT_REPOSITORY_NAME)")
	today := fs.String("today", "", "YYYY-MM-DD: the seeded daily downloads cover the 90 days before it; default: today (UTC)")
	seed, size := sizeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var day time.Time
	if *today != "" {
		t, err := time.Parse(time.DateOnly, *today)
		if err != nil {
			return fmt.Errorf("-today: %w", err)
		}
		day = t
	}
	secret, err := config.Config{SecretKey: *secretKey, DataDir: *dataDir}.Secret()
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	start := time.Now()
	plan := NewPlan(*seed, *size)
	plan.Today = day
	planned := time.Since(start)
	db, err := store.Open(ctx, *dbURL, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, *repoName); err != nil {
		return err
	}
	c, err := Seed(ctx, db.Client, plan, secret)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %s (%s): %s; plan %s, total %s\n", db.Dialect, redacted(db.URL), c, planned.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	fmt.Printf("API key of %s (shape E): %s\n", plan.Users[0].Username, KeyFor(*seed, 0))
	return nil
}

func redacted(u string) string {
	if i := strings.Index(u, "@"); i > 0 && strings.Contains(u, "://") {
		return u[:strings.Index(u, "://")+3] + "…" + u[i:]
	}
	return u
}

func loadCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench load", flag.ContinueOnError)
	var cfg LoadConfig
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base URL")
	shapeName := fs.String("shape", "all", "comma-separated shapes (A, B, C, D, E, A-key, B-key, C-key, D-key) or all")
	fs.IntVar(&cfg.Concurrency, "c", 16, "concurrent requests")
	fs.DurationVar(&cfg.Duration, "d", 20*time.Second, "measured duration per shape")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured warm-up per shape")
	key := fs.String("key", "", "API key(s) for shape E and the -key shapes, comma-separated; default: the seeded keys of -seed")
	fs.StringVar(&cfg.PostgresData, "pg-data", "", "data folder of the PostgreSQL cluster serving the server, to report its CPU per request (Linux)")
	fs.StringVar(&cfg.Label, "label", "", "label stored with the results (e.g. postgres, sqlite)")
	jsonOut := fs.String("json", "", "append results as JSON lines to this file")
	seed, size := sizeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Concurrency < 1 || cfg.Duration <= 0 {
		return errors.New("-c must be at least 1 and -d positive")
	}
	plan := NewPlan(*seed, *size)
	if *key != "" {
		cfg.Keys = strings.Split(*key, ",")
	} else {
		for i := range plan.Size.Keys {
			cfg.Keys = append(cfg.Keys, KeyFor(*seed, i))
		}
	}
	var shapes []Shape
	if strings.EqualFold(*shapeName, "all") {
		shapes = Shapes()
	} else {
		for _, n := range strings.Split(*shapeName, ",") {
			s, ok := ShapeByName(n)
			if !ok {
				return fmt.Errorf("unknown shape %q (want A, B, C, D, E, A-key, B-key, C-key, D-key or all)", n)
			}
			shapes = append(shapes, s)
		}
	}
	failed := false
	for _, s := range shapes {
		res, err := Load(ctx, cfg, plan, s)
		if err != nil {
			return err
		}
		fmt.Println(res)
		if res.Errors > 0 {
			failed = true
		}
		if err := appendJSON(*jsonOut, res); err != nil {
			return err
		}
	}
	if failed {
		return errors.New("some requests failed (see first error above)")
	}
	return nil
}

func appendJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewEncoder(f).Encode(v)
}

// ReadyResult is one time-to-ready measurement.
type ReadyResult struct {
	Kind    string  `json:"kind"` // "ready"
	Label   string  `json:"label,omitempty"`
	Seconds float64 `json:"seconds"`
}

func readyCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench ready", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "base URL the command will serve")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	label := fs.String("label", "", "label stored with the result")
	jsonOut := fs.String("json", "", "append the result as a JSON line to this file")
	logFile := fs.String("log", "", "file for the command's output (default: discarded)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: depot bench ready [flags] -- COMMAND ARGS... (e.g. -- depot serve -listen ...)")
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	deadline := start.Add(*timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("the command exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := client.Get(strings.TrimRight(*url, "/") + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				took := time.Since(start)
				fmt.Printf("ready after %s (start → /readyz 200)\n", took.Round(time.Millisecond))
				return appendJSON(*jsonOut, ReadyResult{Kind: "ready", Label: *label, Seconds: took.Seconds()})
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s", *timeout)
}
