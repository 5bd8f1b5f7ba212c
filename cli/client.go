package cli

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

// client sends GraphQL operations with the API key.
type client struct {
	cfg  Config
	http *http.Client
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

// do sends query with vars and decodes data into out. op names the
// operation in errors ("publishRelease").
func (c *client) do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, op, out)
}

// upload sends query as a GraphQL multipart request whose variable file is
// the Upload data (named filename).
func (c *client) upload(ctx context.Context, op, query string, vars map[string]any, file, filename string, data []byte, out any) error {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+"/graphql", &buf)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, op, out)
}

func (c *client) send(req *http.Request, op string, out any) error {
	if c.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
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
		return &Error{Op: op, Message: fmt.Sprintf("server answered %s: %s", resp.Status, strings.TrimSpace(truncate(string(raw), 300)))}
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
			return fmt.Errorf("%s: decode %s: %w", op, truncate(string(r.Data), 200), err)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
