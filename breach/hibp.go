package breach

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// DefaultHIBPURL is the public Pwned Passwords API.
	DefaultHIBPURL = "https://api.pwnedpasswords.com"
	// DefaultHIBPTimeout bounds one lookup. A sign-in waits for it, and Multi
	// falls back to the offline list when it expires, so it is short.
	DefaultHIBPTimeout = 3 * time.Second

	prefixLen = 5
	// maxRangeBody caps what is read from the server. Real range responses
	// are about 40 KiB with padding; anything far larger is not one.
	maxRangeBody = 2 << 20
)

// HIBP checks passwords against the HaveIBeenPwned range API (k-anonymity):
// it sends the first five hex digits of the password's SHA-1 and looks for
// the remaining 35 in the list of suffixes the server returns. Neither the
// password nor its full hash leaves the process.
type HIBP struct {
	base      string
	client    *http.Client
	timeout   time.Duration
	userAgent string
}

var _ Checker = (*HIBP)(nil)

// HIBPOption configures NewHIBP.
type HIBPOption func(*HIBP)

// WithHTTPClient sets the client used for requests (proxies, TLS roots).
func WithHTTPClient(c *http.Client) HIBPOption {
	return func(h *HIBP) { h.client = c }
}

// WithTimeout bounds each lookup; zero or less means DefaultHIBPTimeout.
func WithTimeout(d time.Duration) HIBPOption {
	return func(h *HIBP) { h.timeout = d }
}

// WithUserAgent sets the User-Agent header; the API asks clients to name
// themselves.
func WithUserAgent(ua string) HIBPOption {
	return func(h *HIBP) { h.userAgent = ua }
}

// NewHIBP returns a client of the range API at baseURL (DefaultHIBPURL when
// empty), for example a self-hosted mirror. Requests go to
// {baseURL}/range/{prefix}.
func NewHIBP(baseURL string, opts ...HIBPOption) (*HIBP, error) {
	if baseURL == "" {
		baseURL = DefaultHIBPURL
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("breach: HIBP URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("breach: HIBP URL %q: want http(s)://host[/path]", baseURL)
	}
	h := &HIBP{
		base:      strings.TrimSuffix(u.String(), "/"),
		client:    http.DefaultClient,
		userAgent: "depot-registry",
	}
	for _, opt := range opts {
		opt(h)
	}
	if h.timeout <= 0 {
		h.timeout = DefaultHIBPTimeout
	}
	if h.client == nil {
		h.client = http.DefaultClient
	}
	return h, nil
}

// Breached looks the password up. Only a positive count counts: the padding
// lines the server adds to hide the response size carry a count of 0.
func (h *HIBP) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:prefixLen], digest[prefixLen:]

	body, err := h.fetchRange(ctx, prefix)
	if err != nil {
		return false, err
	}
	count, err := findSuffix(body, suffix)
	if err != nil {
		return false, fmt.Errorf("breach: HIBP range %s: %w", prefix, err)
	}
	return count > 0, nil
}

func (h *HIBP) fetchRange(ctx context.Context, prefix string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/range/"+prefix, nil)
	if err != nil {
		return nil, fmt.Errorf("breach: HIBP request: %w", err)
	}
	// Padding makes every response about the same size, so an observer of
	// the (encrypted) response cannot narrow down the prefix either.
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", h.userAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("breach: HIBP range %s: %w", prefix, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
		return nil, fmt.Errorf("breach: HIBP range %s: unexpected status %s", prefix, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRangeBody+1))
	if err != nil {
		return nil, fmt.Errorf("breach: HIBP range %s: read response: %w", prefix, err)
	}
	if len(body) > maxRangeBody {
		return nil, fmt.Errorf("breach: HIBP range %s: response larger than %d bytes", prefix, maxRangeBody)
	}
	return body, nil
}

// errMalformed marks a response that is not a range listing. It is an error
// rather than "not found" because a misconfigured URL (say, a login page)
// would otherwise silently clear every password.
var errMalformed = errors.New("malformed range response")

// findSuffix parses "SUFFIX:COUNT" lines (CRLF or LF) and returns the count
// for suffix, 0 when absent. Every line is validated, not just the match.
func findSuffix(body []byte, suffix string) (int64, error) {
	var count int64
	for n, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		s, c, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(s) != len(suffix) || !isHex(s) {
			return 0, fmt.Errorf("%w: line %d", errMalformed, n+1)
		}
		v, err := strconv.ParseInt(string(c), 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%w: line %d: bad count", errMalformed, n+1)
		}
		if strings.EqualFold(string(s), suffix) {
			count = max(count, v)
		}
	}
	return count, nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
