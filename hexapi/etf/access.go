package etf

import "fmt"

// DecodeMap decodes a body that must be a map with binary keys.
func DecodeMap(b []byte, o Options) (map[string]any, error) {
	v, err := Decode(b, o)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{1, fmt.Sprintf("body is %s, want a map", kind(v))}
	}
	return m, nil
}

// String returns m[key] when it is a binary; an atom (or anything else) where a
// binary belongs is refused, so callers answer 422 instead of guessing.
func String(m map[string]any, key string) (string, bool, error) {
	v, ok := m[key]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", true, &Error{0, fmt.Sprintf("%q is %s, want a binary", key, kind(v))}
	}
	return s, true, nil
}

// Bool returns m[key] when it is true or false.
func Bool(m map[string]any, key string) (bool, bool, error) {
	v, ok := m[key]
	if !ok {
		return false, false, nil
	}
	x, ok := v.(bool)
	if !ok {
		return false, true, &Error{0, fmt.Sprintf("%q is %s, want a boolean", key, kind(v))}
	}
	return x, true, nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case Atom:
		return "an atom"
	case string:
		return "a binary"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case Tuple:
		return "a tuple"
	}
	return fmt.Sprintf("%T", v)
}
