// Package ctxio makes a blocking reader notice context cancellation between
// reads, so that a Put of a large upload stops soon after its request is
// cancelled instead of draining the whole body first.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r wrapped so that each Read first checks ctx.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	return &reader{ctx: ctx, r: r}
}

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (r *reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
