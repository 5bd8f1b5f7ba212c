// Package gqlclient is the small GraphQL-over-HTTP client of Depot's own
// tools (the depot command line, the benchmarks): JSON operations and
// multipart uploads, authenticated with an API key or a cookie session, with
// the server's refusal (message and extensions.code) as an *Error.
package gqlclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// Client sends GraphQL operations to URL's /graphql.
type Client struct {
	URL string
	// Key authenticates every request. Without one, the client relies on
	// HTTP's cookie jar holding a session, and sends the CSRF header the
	// server asks of unsafe requests without an API key.
	Key  string
	HTTP *http.Client
}

// Error is a refusal reported by the server: its message and
// extensions.code.
type Error struct {
	Op      string
	Message string
	Code    string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%s: %s", e.Op, e.Message)
	}
	return fmt.Sprintf("%s refused: %s (%s)", e.Op, e.Message, e.Code)
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Do sends query with vars and decodes data into out. op names the
// operation in errors ("publishRelease").
func (c *Client) Do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, op, out)
}

// Upload sends query as a GraphQL multipart request whose variable file is
// the Upload data (named filename).
func (c *Client) Upload(ctx context.Context, op, query string, vars map[string]any, file, filename string, data []byte, out any) error {
	if vars == nil {
		vars = map[string]any{}
	}
	vars[file] = nil
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("operations", string(ops)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := mw.WriteField("map", fmt.Sprintf(`{"0": ["variables.%s"]}`, file)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	fw, err := mw.CreateFormFile("0", filename)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := fw.Write(data); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/graphql", &buf)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, op, out)
}

func (c *Client) send(req *http.Request, op string, out any) error {
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	} else {
		req.Header.Set("X-Depot-CSRF", "1")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: read response: %w", op, err)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return &Error{Op: op, Message: fmt.Sprintf("server answered %s: %s", resp.Status, strings.TrimSpace(Truncate(string(raw), 300)))}
	}
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		code, _ := e.Extensions["code"].(string)
		return &Error{Op: op, Message: e.Message, Code: code}
	}
	if resp.StatusCode != http.StatusOK {
		return &Error{Op: op, Message: "server answered " + resp.Status}
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("%s: decode %s: %w", op, Truncate(string(r.Data), 200), err)
		}
	}
	return nil
}

// Truncate shortens s to n bytes, marking the cut.
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
