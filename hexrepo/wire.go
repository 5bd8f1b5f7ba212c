package hexrepo

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one protobuf field as read off the wire. Only the varint and
// length-delimited wire types carry data we use; others are skipped.
type field struct {
	num    protowire.Number
	typ    protowire.Type
	varint uint64
	bytes  []byte
}

// eachField walks the top level of a message. Unknown field numbers are
// passed to fn like known ones; fn ignores what it does not know, which is
// how payloads from newer hex_core versions stay readable.
func eachField(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: tag: %w", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.varint, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %w", ErrMalformed, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func (f field) want(t protowire.Type, what string) error {
	if f.typ != t {
		return fmt.Errorf("%w: %s (field %d) has wire type %d, want %d", ErrMalformed, what, f.num, f.typ, t)
	}
	return nil
}

func (f field) str(what string) (string, error) {
	if err := f.want(protowire.BytesType, what); err != nil {
		return "", err
	}
	return string(f.bytes), nil
}

// bytesCopy copies because protowire hands out sub-slices of the input, and
// a decoded value must not change when the caller reuses its buffer.
func (f field) bytesCopy(what string) ([]byte, error) {
	if err := f.want(protowire.BytesType, what); err != nil {
		return nil, err
	}
	return append([]byte{}, f.bytes...), nil
}

func (f field) int64(what string) (int64, error) {
	if err := f.want(protowire.VarintType, what); err != nil {
		return 0, err
	}
	return int64(f.varint), nil
}

// int32 truncates like protobuf does: negative int32 values travel as
// sign-extended 64-bit varints.
func (f field) int32(what string) (int32, error) {
	v, err := f.int64(what)
	return int32(v), err
}

func (f field) bool(what string) (bool, error) {
	v, err := f.int64(what)
	return v != 0, err
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// appendInt32 sign-extends so negative values match protobuf's int32
// encoding (ten bytes), which is what gpb and every other encoder produce.
func appendInt32(b []byte, num protowire.Number, v int32) []byte {
	return appendVarint(b, num, uint64(int64(v)))
}

func missing(msg string, fields ...string) error {
	return fmt.Errorf("%w: %s lacks required %v", ErrMalformed, msg, fields)
}
