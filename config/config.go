// Package config is every setting of `depot serve` and the commands that
// share them: parsed from flags over DEPOT_* environment variables over
// defaults, and validated, in Parse alone. Nothing else reads the
// environment for a setting.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/depot-registry/depot/internal/gcfloor"
)

// Config is every setting of `depot serve`. Each has a flag and a DEPOT_*
// environment variable (the flag wins); README.md has the table.
type Config struct {
	Listen           string        // DEPOT_LISTEN
	DataDir          string        // DEPOT_DATA_DIR
	DatabaseURL      string        // DEPOT_DATABASE_URL
	PublicURL        string        // DEPOT_PUBLIC_URL
	SecretKey        string        // DEPOT_SECRET_KEY
	LogLevel         string        // DEPOT_LOG_LEVEL
	LogFormat        string        // DEPOT_LOG_FORMAT
	PublicRepository string        // DEPOT_REPOSITORY_NAME
	HIBPURL          string        // DEPOT_HIBP_URL
	SMTPAddr         string        // DEPOT_SMTP_ADDR
	SMTPFrom         string        // DEPOT_SMTP_FROM
	SMTPUser         string        // DEPOT_SMTP_USERNAME
	SMTPPassword     string        // DEPOT_SMTP_PASSWORD
	RequestTimeout   time.Duration // DEPOT_REQUEST_TIMEOUT
	MaxBodyBytes     int64         // DEPOT_MAX_BODY_BYTES
	RateLimit        float64       // DEPOT_RATE_LIMIT (requests per second per client)
	RateBurst        int           // DEPOT_RATE_BURST
	StripeKey        string        // DEPOT_STRIPE_KEY
	StripeWebhookKey string        // DEPOT_STRIPE_WEBHOOK_SECRET
	StripeURL        string        // DEPOT_STRIPE_URL (tests: stripe-mock)
	RepoKeyFile      string        // DEPOT_REPO_KEY_FILE
	DebugListen      string        // DEPOT_DEBUG_LISTEN (pprof; empty: off)
	ReadCacheMB      int           // DEPOT_READ_CACHE_MB (0: off)
	ReadCacheMaxAge  time.Duration // DEPOT_READ_CACHE_MAX_AGE
	MetricsAddr      string        // DEPOT_METRICS_ADDR (empty: /metrics on the public listener, loopback only unless a token is set)
	MetricsToken     string        // DEPOT_METRICS_TOKEN (bearer token for /metrics)
	BlobSweepEvery   time.Duration // DEPOT_BLOB_SWEEP_INTERVAL (0: off)
	BlobSweepAge     time.Duration // DEPOT_BLOB_SWEEP_AGE
	BlobURL          string        // DEPOT_BLOB_URL (empty: file:DATA_DIR/blobs)
	BlobRedirect     time.Duration // DEPOT_BLOB_REDIRECT (0: tarballs stream through Depot)
	SecurityContact  string        // DEPOT_SECURITY_CONTACT (default security@ the public host)
	OIDCAudience     string        // DEPOT_OIDC_AUDIENCE (empty: the public URL)
	OIDCAllowHTTP    bool          // DEPOT_OIDC_ALLOW_HTTP (trusted publishers may name http:// issuers)
	Upstreams        []Upstream    // DEPOT_UPSTREAMS / -upstream (mirrored Hex repositories; none: off)
	MirrorMaxAge     time.Duration // DEPOT_MIRROR_MAX_AGE (cached upstream package revalidated after)
	MirrorAllowLocal []string      // DEPOT_MIRROR_ALLOW_LOCAL (names that may be published although upstream has them)
	GCPercent        int           // DEPOT_GC_PERCENT (Go's GOGC for `depot serve`; 0: GOGC is set, the runtime's value stands)
	GCHeapFloorMB    int           // DEPOT_GC_HEAP_FLOOR_MB (the heap may reach this before a collection; 0: no floor)
}

// DefaultGCPercent is the garbage collector's target for `depot serve`
// unless GOGC or DEPOT_GC_PERCENT says otherwise: Go's own default, 100.
// A higher target trades memory for CPU, and both trades are measured in
// BENCHMARKS.md: at 400 the collector's share of CPU under search load fell
// from 12% to 4% (server CPU per search about a fifth lower), but an idle
// live-feed subscriber cost 28 KiB instead of 13 (garbage the collector
// lets stand), against a goal of 16. So the default stays balanced and a
// read-heavy installation with few subscribers can raise it.
const DefaultGCPercent = 100

// DefaultGCHeapFloorMB is the heap the collector lets `depot serve` reach
// before a collection however little of it is live (internal/gcfloor).
// The percentage alone collected a small server about every 30 uncached
// searches; with the floor, a search costs about a quarter less server
// CPU, while a live heap over the floor (thousands of live-feed
// subscribers) is paced by the percentage as before. BENCHMARKS.md has
// both measurements.
const DefaultGCHeapFloorMB = 64

// env returns the DEPOT_ variable name or the fallback.
func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

// Parse reads flags (args) over environment variables over defaults, and
// validates the result.
func Parse(args []string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("depot serve", flag.ContinueOnError)
	fs.StringVar(&c.Listen, "listen", env("DEPOT_LISTEN", "127.0.0.1:8080"), "address to listen on (DEPOT_LISTEN)")
	fs.StringVar(&c.DataDir, "data-dir", env("DEPOT_DATA_DIR", "data"), "folder for the SQLite database, blobs and keys (DEPOT_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DEPOT_DATABASE_URL", ""), "postgres://... URL; empty for SQLite in the data folder (DEPOT_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", env("DEPOT_PUBLIC_URL", ""), "URL users reach the server at; default http://LISTEN (DEPOT_PUBLIC_URL)")
	fs.StringVar(&c.SecretKey, "secret-key", env("DEPOT_SECRET_KEY", ""), "hex secret keying API key hashes; default: generated into the data folder (DEPOT_SECRET_KEY)")
	fs.StringVar(&c.LogLevel, "log-level", env("DEPOT_LOG_LEVEL", "info"), "debug, info, warn or error (DEPOT_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("DEPOT_LOG_FORMAT", "text"), "text or json (DEPOT_LOG_FORMAT)")
	fs.StringVar(&c.PublicRepository, "repository-name", env("DEPOT_REPOSITORY_NAME", "depot"), "name of the public repository, as Hex clients see it (DEPOT_REPOSITORY_NAME)")
	fs.StringVar(&c.OIDCAudience, "oidc-audience", env("DEPOT_OIDC_AUDIENCE", ""), "aud that CI OIDC tokens must carry for trusted publishing; default the public URL (DEPOT_OIDC_AUDIENCE)")
	fs.BoolVar(&c.OIDCAllowHTTP, "oidc-allow-http", env("DEPOT_OIDC_ALLOW_HTTP", "") == "true", "let trusted publishers name http:// OIDC issuers (self-hosted CI on a private network only) (DEPOT_OIDC_ALLOW_HTTP=true)")
	fs.StringVar(&c.HIBPURL, "hibp-url", env("DEPOT_HIBP_URL", ""), "HaveIBeenPwned range API base URL; empty: offline list only (DEPOT_HIBP_URL)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", env("DEPOT_SMTP_ADDR", ""), "SMTP relay host:port; empty: mail stays in the outbox (DEPOT_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("DEPOT_SMTP_FROM", "depot@localhost"), "sender address (DEPOT_SMTP_FROM)")
	fs.StringVar(&c.SMTPUser, "smtp-username", env("DEPOT_SMTP_USERNAME", ""), "SMTP user (DEPOT_SMTP_USERNAME)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("DEPOT_SMTP_PASSWORD", ""), "SMTP password (DEPOT_SMTP_PASSWORD)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", durEnv("DEPOT_REQUEST_TIMEOUT", 30*time.Second), "longest a request may run (DEPOT_REQUEST_TIMEOUT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", intEnv("DEPOT_MAX_BODY_BYTES", 20<<20), "largest request body; uploads included (DEPOT_MAX_BODY_BYTES)")
	fs.Float64Var(&c.RateLimit, "rate-limit", floatEnv("DEPOT_RATE_LIMIT", 50), "requests per second per API key or IP (DEPOT_RATE_LIMIT)")
	fs.IntVar(&c.ReadCacheMB, "read-cache-mb", int(intEnv("DEPOT_READ_CACHE_MB", 20)), "memory for cached answers to queries (keyed by the viewer's visibility), MiB; 0: off (DEPOT_READ_CACHE_MB)")
	fs.DurationVar(&c.ReadCacheMaxAge, "read-cache-max-age", durEnv("DEPOT_READ_CACHE_MAX_AGE", time.Minute), "longest a cached answer lives: how late download counts may show (DEPOT_READ_CACHE_MAX_AGE)")
	fs.IntVar(&c.RateBurst, "rate-burst", int(intEnv("DEPOT_RATE_BURST", 200)), "burst above the rate (DEPOT_RATE_BURST)")
	fs.StringVar(&c.StripeKey, "stripe-key", env("DEPOT_STRIPE_KEY", ""), "Stripe secret key; empty: in-process billing (DEPOT_STRIPE_KEY)")
	fs.StringVar(&c.StripeWebhookKey, "stripe-webhook-secret", env("DEPOT_STRIPE_WEBHOOK_SECRET", ""), "Stripe webhook signing secret (DEPOT_STRIPE_WEBHOOK_SECRET)")
	fs.StringVar(&c.StripeURL, "stripe-url", env("DEPOT_STRIPE_URL", ""), "Stripe API base URL override (DEPOT_STRIPE_URL)")
	fs.StringVar(&c.DebugListen, "debug-listen", env("DEPOT_DEBUG_LISTEN", ""), "address for Go's pprof profiles (keep it on loopback); empty: off (DEPOT_DEBUG_LISTEN)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("DEPOT_METRICS_ADDR", ""), "own address for /metrics (keep it private); empty: on the public listener, to loopback clients only unless a token is set (DEPOT_METRICS_ADDR)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("DEPOT_METRICS_TOKEN", ""), "bearer token /metrics requires, wherever it is served (DEPOT_METRICS_TOKEN)")
	fs.StringVar(&c.RepoKeyFile, "repo-key-file", env("DEPOT_REPO_KEY_FILE", ""), "PEM RSA private key signing registry payloads; default: generated into the data folder (DEPOT_REPO_KEY_FILE)")
	fs.DurationVar(&c.BlobSweepEvery, "blob-sweep-interval", durEnv("DEPOT_BLOB_SWEEP_INTERVAL", time.Hour), "how often to remove leftovers of crashed uploads from the blob store (also at start); 0: never (DEPOT_BLOB_SWEEP_INTERVAL)")
	fs.DurationVar(&c.BlobSweepAge, "blob-sweep-age", durEnv("DEPOT_BLOB_SWEEP_AGE", time.Hour), "how old an unreferenced blob or partial upload must be to be removed; must exceed the request timeout (DEPOT_BLOB_SWEEP_AGE)")
	fs.StringVar(&c.BlobURL, "blob-url", env("DEPOT_BLOB_URL", ""), "where tarballs and docs are kept: file:///FOLDER or s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=REGION (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); empty: the data folder's blobs (DEPOT_BLOB_URL)")
	fs.DurationVar(&c.BlobRedirect, "blob-redirect", durEnv("DEPOT_BLOB_REDIRECT", 0), "with an s3:// blob store, answer tarball downloads with a redirect to a presigned URL valid this long; 0: stream through Depot (DEPOT_BLOB_REDIRECT)")
	fs.StringVar(&c.SecurityContact, "security-contact", env("DEPOT_SECURITY_CONTACT", ""), "address in /.well-known/security.txt; default security@ the public host (DEPOT_SECURITY_CONTACT)")
	upstreams := env("DEPOT_UPSTREAMS", "")
	var flagUpstreams []string
	fs.Func("upstream", "mirror an upstream Hex repository: NAME=URL,key=PEMFILE|hexpm[,allow=a,b,...]; repeatable (DEPOT_UPSTREAMS, entries separated by ;)", func(v string) error {
		flagUpstreams = append(flagUpstreams, v)
		return nil
	})
	fs.DurationVar(&c.MirrorMaxAge, "mirror-max-age", durEnv("DEPOT_MIRROR_MAX_AGE", 10*time.Minute), "how old a cached upstream package may get before it is revalidated by ETag (DEPOT_MIRROR_MAX_AGE)")
	allowLocal := env("DEPOT_MIRROR_ALLOW_LOCAL", "")
	fs.StringVar(&allowLocal, "mirror-allow-local", allowLocal, "comma-separated package names that may be published here although an upstream has them (DEPOT_MIRROR_ALLOW_LOCAL)")
	fs.IntVar(&c.GCPercent, "gc-percent", int(intEnv("DEPOT_GC_PERCENT", DefaultGCPercent)), "garbage collector target of the server, as Go's GOGC: how far the heap grows over what is live before a collection, percent; ignored when GOGC is set (DEPOT_GC_PERCENT)")
	fs.IntVar(&c.GCHeapFloorMB, "gc-heap-floor-mb", int(intEnv("DEPOT_GC_HEAP_FLOOR_MB", DefaultGCHeapFloorMB)), "heap size in MiB the server may reach before a garbage collection however little of it is live; 0: none; ignored when GOGC is set (DEPOT_GC_HEAP_FLOOR_MB)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.GCPercent < 10 || c.GCPercent > gcfloor.MaxPercent {
		return c, fmt.Errorf("gc percent %d must be between 10 and %d", c.GCPercent, gcfloor.MaxPercent)
	}
	if c.GCHeapFloorMB < 0 || c.GCHeapFloorMB > 1<<20 {
		return c, fmt.Errorf("gc heap floor %d MiB must be between 0 and %d", c.GCHeapFloorMB, 1<<20)
	}
	if os.Getenv("GOGC") != "" {
		c.GCPercent, c.GCHeapFloorMB = 0, 0 // the operator tuned the runtime itself: that wins
	}
	specs := flagUpstreams
	if len(specs) == 0 && strings.TrimSpace(upstreams) != "" {
		specs = strings.Split(upstreams, ";")
	}
	for _, spec := range specs {
		u, err := ParseUpstream(spec)
		if err != nil {
			return c, err
		}
		for _, prev := range c.Upstreams {
			if prev.Name == u.Name {
				return c, fmt.Errorf("upstream %q is configured twice", u.Name)
			}
		}
		c.Upstreams = append(c.Upstreams, u)
	}
	if c.MirrorMaxAge < 0 {
		return c, fmt.Errorf("mirror max age %s must not be negative", c.MirrorMaxAge)
	}
	for n := range strings.SplitSeq(allowLocal, ",") {
		if n = strings.TrimSpace(n); n != "" {
			c.MirrorAllowLocal = append(c.MirrorAllowLocal, n)
		}
	}
	if c.BlobSweepEvery < 0 {
		return c, fmt.Errorf("blob sweep interval %s must not be negative", c.BlobSweepEvery)
	}
	if c.BlobSweepEvery > 0 && c.BlobSweepAge <= c.RequestTimeout {
		// A publish stores its tarball before the commit that references
		// it; both happen within one request.
		return c, fmt.Errorf("blob sweep age %s must exceed the request timeout %s, or the tarball of a publish still in progress could be swept", c.BlobSweepAge, c.RequestTimeout)
	}
	if c.BlobRedirect < 0 {
		return c, fmt.Errorf("blob redirect %s must not be negative", c.BlobRedirect)
	}
	if c.BlobRedirect > 0 && !strings.HasPrefix(c.BlobURL, "s3://") {
		// Only object storage can hand out URLs of its blobs.
		return c, fmt.Errorf("blob redirect needs an s3:// blob URL, not %q", c.BlobURL)
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("public URL %q must be an absolute http(s) URL", c.PublicURL)
	}
	if c.SecurityContact == "" {
		c.SecurityContact = "security@" + u.Hostname()
	}
	return c, nil
}

func durEnv(name string, d time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return d
}

func intEnv(name string, d int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return d
}

func floatEnv(name string, d float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return d
}

// Secret returns the configured secret key or the one kept in the data
// folder, generating it on first start.
func (c Config) Secret() ([]byte, error) {
	if c.SecretKey != "" {
		return []byte(c.SecretKey), nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []byte(key), nil
}

// Logger builds the process logger.
func (c Config) Logger() *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
