package hexapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/apperr"
	"github.com/depot-registry/depot/hexapi/etf"
	"github.com/depot-registry/depot/hextar"
	"github.com/depot-registry/depot/text"
)

// ContentType is the Erlang term format media type of the Hex API.
const ContentType = "application/vnd.hex+erlang"

// maxBody bounds a non-tarball request body (keys, owners, retirements):
// the largest of them is a few hundred bytes.
const maxBody = 64 << 10

// wantsETF reports whether the client asked for Erlang terms; anything
// else gets JSON, hexpm's default.
func wantsETF(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), ContentType)
}

// reply writes body with status in the format the client accepts. A nil
// body with 204 writes nothing.
func reply(w http.ResponseWriter, r *http.Request, status int, body any) {
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Vary", "Accept")
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	var b []byte
	var err error
	if wantsETF(r) {
		w.Header().Set("Content-Type", ContentType+"; charset=utf-8")
		b, err = etf.Encode(body)
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		b, err = json.Marshal(body)
	}
	if err != nil {
		// Only our own views are encoded; a failure is a bug here.
		http.Error(w, "internal error encoding the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes hexpm's error body: status, message and, for 422,
// errors by field. code is Depot's stable error code, added beside them.
func writeError(w http.ResponseWriter, r *http.Request, status int, message string, errs map[string]any) {
	body := map[string]any{"status": status, "message": message, "code": string(codeFor(status))}
	if errs != nil {
		body["errors"] = errs
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm=hex`)
	}
	reply(w, r, status, body)
}

// codeFor is the Depot code of a protocol-level status (bad bodies,
// unknown routes), where no domain error exists.
func codeFor(status int) apperr.Code {
	switch status {
	case http.StatusUnauthorized:
		return apperr.Unauthenticated
	case http.StatusForbidden:
		return apperr.Forbidden
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return apperr.NotFound
	case http.StatusTooManyRequests:
		return apperr.RateLimited
	case http.StatusInternalServerError:
		return apperr.Internal
	}
	return apperr.BadInput
}

// statuses maps domain codes onto hexpm's statuses. hexpm answers 422 for
// every refused change of a valid request (replace without the flag,
// window closed, last owner) and 403 for a lapsed organization.
var statuses = map[apperr.Code]int{
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.NotFound:        http.StatusNotFound,
	apperr.BadInput:        http.StatusUnprocessableEntity,
	apperr.Conflict:        http.StatusUnprocessableEntity,
	apperr.WindowClosed:    http.StatusUnprocessableEntity,
	apperr.SeatsExhausted:  http.StatusUnprocessableEntity,
	apperr.PaymentRequired: http.StatusForbidden,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.TooComplex:      http.StatusUnprocessableEntity,
	apperr.TOTPRequired:    http.StatusUnauthorized,
	apperr.InvalidTOTP:     http.StatusUnauthorized,
}

// hexpm's two-factor answers (lib/hexpm_web/auth_helpers.ex), exactly: the
// WWW-Authenticate challenge hex clients look for, and the message.
var totpAnswers = map[apperr.Code][2]string{
	apperr.TOTPRequired: {`Bearer realm="hex", error="totp_required"`,
		"Two-factor authentication required. Include X-Hex-OTP header with your TOTP code."},
	apperr.InvalidTOTP: {`Bearer realm="hex", error="invalid_totp"`, "Invalid two-factor authentication code"},
}

// fail answers a domain error.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, hextar.ErrTooLarge) {
		writeError(w, r, http.StatusRequestEntityTooLarge, err.Error(), nil)
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		h.Log.ErrorContext(r.Context(), "hex api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, r, http.StatusInternalServerError, "internal server error", nil)
		return
	}
	status, ok := statuses[ae.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := ae.Error()
	if msg == "" {
		msg = strings.ToLower(strings.ReplaceAll(string(ae.Code), "_", " "))
	}
	if a, ok := totpAnswers[ae.Code]; ok {
		w.Header().Set("WWW-Authenticate", a[0])
		msg = a[1]
	}
	if ae.Code == apperr.RateLimited && ae.Field == account.TwoFactorLimitField {
		msg = "Too many failed two-factor authentication attempts. Please try again later."
	}
	var errs map[string]any
	if status == http.StatusUnprocessableEntity {
		field := ae.Field
		if field == "" {
			field = string(ae.Code)
		}
		errs = map[string]any{field: msg}
	}
	body := map[string]any{"status": status, "message": msg, "code": string(ae.Code)}
	if errs != nil {
		body["errors"] = errs
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm=hex`)
	}
	var lim *account.Limited
	if errors.As(err, &lim) {
		w.Header().Set("Retry-After", strconv.Itoa(lim.Seconds()))
	}
	reply(w, r, status, body)
}

// RateLimited answers a request the server's rate limit refused, in
// hexpm's format (the server has already set Retry-After and the
// x-ratelimit-* headers).
func RateLimited(w http.ResponseWriter, r *http.Request, message string) {
	writeError(w, r, http.StatusTooManyRequests, message, nil)
}

// badRequest answers a body or parameter the API cannot read (400).
func badRequest(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	writeError(w, r, http.StatusBadRequest, fmt.Sprintf(format, args...), nil)
}

// decodeBody reads a map body in the format Content-Type names: Erlang
// terms (hex_core's default) or JSON. Anything else, or a body that does not
// parse as what it claims to be, is an error for a 400.
func decodeBody(r *http.Request) (map[string]any, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("body exceeds %d bytes", maxBody)
	}
	switch mt {
	case ContentType:
		return etf.DecodeMap(data, etf.Options{MaxSize: maxBody, MaxDepth: 8})
	case "application/json", "application/vnd.hex+json":
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("malformed JSON body: %w", err)
		}
		if m == nil {
			return nil, errors.New("body must be a JSON object")
		}
		return m, nil
	case "":
		if len(data) == 0 {
			return map[string]any{}, nil
		}
	}
	return nil, fmt.Errorf("unsupported content type %q (want %s or application/json)", mt, ContentType)
}

// multiline are the body fields that hold free text.
var multiline = map[string]bool{"message": true}

// str reads an optional text field of a decoded body; a value of another
// type (an atom where a binary belongs, a number), or text the text rule
// refuses (NUL, control characters, invalid UTF-8), is an error naming it.
func str(m map[string]any, key string) (string, error) {
	if v, ok := m[key]; ok && v == nil {
		return "", nil
	}
	s, _, err := etf.String(m, key)
	if err != nil {
		return "", apperr.Invalid(key, "%s", err.Error())
	}
	kind := text.Line
	if multiline[key] {
		kind = text.Multiline
	}
	if err := text.Check(s, kind); err != nil {
		return "", apperr.Invalid(key, "%s %s", key, err)
	}
	return s, nil
}
